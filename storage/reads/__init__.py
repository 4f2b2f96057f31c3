"""Read-only queries behind the admin site's pages: bounded, index-backed, no writes."""
