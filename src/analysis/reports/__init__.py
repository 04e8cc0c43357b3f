"""Report content, charts, HTML, PDF, xlsx and notebook rendering."""
