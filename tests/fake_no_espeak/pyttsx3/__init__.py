"""Stands in for pyttsx3 on a machine without espeak-ng: initialising fails the way the
real driver does when libespeak-ng cannot be loaded."""


def init(*_args: object, **_kwargs: object) -> None:
    raise OSError("libespeak-ng.so.1: cannot open shared object file: No such file or directory")
