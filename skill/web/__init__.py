"""The carers' and coordinators' web app (server-rendered Flask pages) and, in `api`, the REST API."""
