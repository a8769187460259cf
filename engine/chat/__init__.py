"""Work notices in WeCom (企业微信) and DingTalk (钉钉) group robots, through the outbox.

`addresses` guards where hooks may post, `notices` writes chat rows for work events in the
command's transaction, `sender` posts them for the relay, `hooks` sets and removes hooks.
"""
