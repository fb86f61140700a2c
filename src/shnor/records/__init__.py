"""The records every stage produces: management decisions and the documents that fix them.

List approval (identification), programme exit (programmes), the cycle's own decisions and
meetings all write here, so none of them imports another to keep its papers.
"""
