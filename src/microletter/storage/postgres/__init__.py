"""The PostgreSQL store: the same Store as storage.sqlite, for many processes and machines.

Imported only when a postgresql:// URL is used (asyncpg is not loaded otherwise).
"""
