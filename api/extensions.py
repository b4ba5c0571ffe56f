"""Bare extension instances, bound to each app in `api.app.create_app`."""

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from models import Base

# Flask-SQLAlchemy only manages the engine and the request-scoped session;
# the models stay plain SQLAlchemy classes on our own metadata.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate(compare_type=True, render_as_batch=True)
cors = CORS()
jwt = JWTManager()
