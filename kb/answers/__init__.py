"""The answer engine: recognise what a question asks and answer it from cited evidence."""
