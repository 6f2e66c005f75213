-- Run once by the postgres image on an empty volume (deploy/compose.yml). The image creates
-- the database `rasa` (tracker store, WhatsApp contacts); the staff console gets its own.
CREATE DATABASE console OWNER rasa;
