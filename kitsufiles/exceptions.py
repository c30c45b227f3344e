"""Exceptions services raise for Zou's error answers; kitsufiles.api.errors renders them."""

from rest_framework import exceptions, status

UNIQUE_VIOLATION_MESSAGE = "A record with the same unique values already exists."


class WrongParameter(exceptions.APIException):
    """Zou's WrongParameterException: 400 `{"error": true, "message": <text>, "data": null}`."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DataConflict(exceptions.APIException):
    """A write refused by a data rule (Zou's CRUD shape): 400 `{"message": <text>}`."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str = UNIQUE_VIOLATION_MESSAGE):
        super().__init__(message)
        self.message = message


class ZouError(exceptions.APIException):
    """An answer whose exact body Zou defines per route (e.g. the login failure)."""

    def __init__(self, status_code: int, body: dict):
        super().__init__(str(body))
        self.status_code = status_code
        self.body = body


class ZouNotAuthenticated(exceptions.AuthenticationFailed):
    """401 with flask-jwt-extended's bodies: `{"msg": ...}`, or Zou's expiry body."""

    status_code = status.HTTP_401_UNAUTHORIZED

    def __init__(self, body: dict):
        super().__init__(str(body))
        self.body = body
