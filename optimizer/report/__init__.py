"""Reports: terminal text, charts and the HTML page. They format and draw; they compute nothing."""
