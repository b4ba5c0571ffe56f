"""Engage's tests. Passwords are hashed with argon2id at its cheapest parameters here
(production's cost is 0.1 s a hash on purpose; the suite logs in thousands of times)."""

from argon2 import PasswordHasher, profiles

from services import users

users.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
