"""The error bodies of Zou 1.0.97 that the tests compare answers with, written out in full
here, once, and never read from the application (a test that imported the application's own
constant could not notice the constant changing).

Zou shapes its errors three ways, and clients depend on the shape:
- `{"error": true, "message": ...}` from its global handlers (404, 403, 405, 400, 413, 416);
- `{"error": "<text>"}` from the routes that create a working file or publish an entity output;
- `{"message": "<text>"}` from the generic CRUD routes and the asset-instance publish.
"""

# The global handlers: {"error": true, "message": ...}

NOT_FOUND_MESSAGE = (
    "404 Not Found: The requested URL was not found on the server. If you entered the URL "
    "manually please check your spelling and try again."
)
NOT_FOUND = {"error": True, "message": NOT_FOUND_MESSAGE}

FORBIDDEN_MESSAGE = (
    "You don't have the permission to access the requested resource. It is either "
    "read-protected or not readable by the server."
)
FORBIDDEN = {"error": True, "message": FORBIDDEN_MESSAGE}

METHOD_NOT_ALLOWED = {"error": True, "message": "The method is not allowed for the requested URL."}

BAD_REQUEST_MESSAGE = "The browser (or proxy) sent a request that this server could not understand."
BAD_REQUEST = {"error": True, "message": BAD_REQUEST_MESSAGE}

TOO_LARGE = {"error": True, "message": "The data value transmitted exceeds the capacity limit."}

RANGE_NOT_SATISFIABLE = {
    "error": True,
    "message": "The server cannot provide the requested range.",
}

EXPIRED_TOKEN = {"error": True, "message": "Signature has expired"}

EMPTY_BODY = {
    "error": True,
    "message": "Data are empty. Please verify that you sent JSON data and that you set the "
    "right headers.",
    "data": None,
}

# The generic CRUD routes: {"message": ...} for a write the database refuses

UNIQUE_VIOLATION = {"message": "A record with the same unique values already exists."}
REFERENCED = {"message": "The change conflicts with records referencing this one."}
INTEGRITY = {"message": "The data conflicts with database integrity rules."}

# Files routes

WORKING_FILE_EXISTS = {"error": "The given working file already exists."}
OUTPUT_FILE_EXISTS = {"error": "The given output file already exists."}
NO_OUTPUT_TYPE = {"error": "Cannot find given output type."}
NO_PERSON = {"error": "Cannot find given person."}
# The asset-instance publish says the same in the other shape.
INSTANCE_OUTPUT_FILE_EXISTS = {"message": "The given output file already exists."}
INSTANCE_NO_OUTPUT_TYPE = {"message": "Cannot find given output type."}
INSTANCE_NO_PERSON = {"message": "Cannot find given person."}

# Log-in

WRONG_CREDENTIALS = {"login": False, "message": "Wrong email or password."}
