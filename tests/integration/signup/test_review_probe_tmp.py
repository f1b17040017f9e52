import base64, json
from signup_helpers import http_event, body_of
from signup_stack import ORIGIN

def test_probe(stack):
    s = stack.signup
    for body in [{"minecraft": {"name": "x", "edition": "java"}}, {"minecraft": {"name": "Notch", "edition": "java"}}]:
        r = stack.invoke(s, http_event("POST", "/signup", body=body, headers={"origin": ORIGIN}))
        print("CORS", r["statusCode"], {k: v for k, v in r.get("headers", {}).items() if k.lower().startswith("access")}, r.get("multiValueHeaders"))
    r = stack.invoke(s, http_event("POST", "/signup", raw_body="[" * 100000, headers={"origin": ORIGIN}))
    print("CORS", r["statusCode"], r.get("headers"))
