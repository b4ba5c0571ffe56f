"""Domain logic over a SQLAlchemy session: no Flask, no marshmallow, callable from anywhere."""
