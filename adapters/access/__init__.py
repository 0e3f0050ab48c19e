"""Who may call: API keys (``api_keys``) and console sessions ended by sign-out (``sign_outs``).

The roles and what each may do are ``jrp.access``.
"""
