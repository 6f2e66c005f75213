"""gunicorn's settings for the staff console, everywhere it runs (make run, deploy/).

The access log names the method, the path and the status, never the query string nor the
referring page: staff search terms (`?q=`) are patient words.
"""

workers = 2
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Files the console writes (its SQLite database on a small deployment) are its owner's only.
umask = 0o077
