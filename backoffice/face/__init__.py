"""Face verification in the back office (docs/face.md): the model (engine), the liveness rule
(liveness), the match (matching), enrolment and the verification service (service). Importing
this package loads nothing: numpy and dlib come in with the engine, on first use."""
