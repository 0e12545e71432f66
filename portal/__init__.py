"""The tenant portal (/app/) for client owners and agents, and the operator's dashboard (/dashboard/).

Server-rendered pages, mobile-first, Spanish by default. Views stay thin: they resolve the client once
(`portal.access`), then call other apps' selectors and services with it.
"""
