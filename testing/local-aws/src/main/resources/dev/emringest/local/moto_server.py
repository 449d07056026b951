"""moto server whose S3 conditional writes are atomic, as S3's are.

moto checks If-None-Match / If-Match and then writes, in two steps on a threaded server, so two concurrent
conditional puts to one key can both succeed (seen about twice in a hundred rounds of ten). S3 lets exactly one
win. Serialising the conditional puts restores that; every other request runs as moto runs it.
"""
import sys
import threading

from moto import server

_conditional_puts = threading.Lock()
_dispatch = server.DomainDispatcherApplication.__call__


def _call(self, environ, start_response):
    conditional = environ.get("REQUEST_METHOD") == "PUT" and (
        "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MATCH" in environ)
    if not conditional:
        return _dispatch(self, environ, start_response)
    with _conditional_puts:
        return list(_dispatch(self, environ, start_response))


server.DomainDispatcherApplication.__call__ = _call

if __name__ == "__main__":
    server.main(sys.argv[1:])
