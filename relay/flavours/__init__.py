"""Wire formats over the one stream log: each flavour encodes the log's native events its own way.

`native` reads the log's frames back (the native encoding itself is `relay/events.py`, where the
log encodes each event once as it is appended); `chat_completions` and `responses` are OpenAI's
Chat Completions and Responses formats. A stream created through one flavour reads through any other.
"""
