"""The 报送平台's views: pages for units (`pages`), for bureaus (`bureau`), reports (`reports`) and the API (`api`)."""
