"""Anti-bot challenges and block pages: recognised so they are recorded as blocked, never answered."""
from __future__ import annotations

import re

# 412/521 with a script that sets a cookie and reloads: 加速乐 / 瑞数-style JavaScript challenges.
_JS_CHALLENGE = re.compile(rb"document\.cookie|__jsl_clearance|location\.(?:href|reload|replace)|\$_ts|eval\(", re.I)
# A 200 page that says the page is gone or access is refused: a soft 404 or a WAF page.
_SOFT_BLOCK = re.compile("页面不存在|您访问的页面不存在|访问的页面已被删除|访问受限|访问被拒绝|请开启JavaScript|安全验证|"
                         "您的访问请求被拦截|非法访问|访问过于频繁")
SOFT_BLOCK_MAX_BYTES = 8192
CHALLENGE_STATUSES = [403, 412, 429, 521]


def challenge_reason(status: int, body: bytes) -> str | None:
    """Why a response is an anti-bot challenge or a block page, or None when it looks like content."""
    if status in (412, 521) and _JS_CHALLENGE.search(body[:20000]):
        return f"js_challenge_{status}"
    if status in (403, 412, 521, 429) and len(body) < SOFT_BLOCK_MAX_BYTES:
        return f"http_{status}"
    if status == 200 and len(body) < SOFT_BLOCK_MAX_BYTES:
        # The page's charset is not known yet: look at it as UTF-8 and as GB18030.
        if any(_SOFT_BLOCK.search(body.decode(charset, errors="ignore")) for charset in ("utf-8", "gb18030")):
            return "soft_block"
    return None


# A page of any size whose readable text is this short and says one of the block phrases is a block page
# dressed in the site's template (a soft 404 over SOFT_BLOCK_MAX_BYTES, whose <title> may still name a report).
SOFT_BLOCK_MAX_TEXT = 400


def says_blocked(text: str) -> bool:
    """Whether a page's extracted text is a soft 404 or a block page rather than content."""
    return len(text) < SOFT_BLOCK_MAX_TEXT and bool(_SOFT_BLOCK.search(text))
