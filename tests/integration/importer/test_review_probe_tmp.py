from conftest import steam


def show(stack, key, data, label):
    stack.put(key, data)
    try:
        s = stack.run(key)
        print(label, "->", s.status, s.counts.model_dump(), (s.error or "")[:150], len(s.model_dump_json()))
    except Exception as e:
        print(label, "RAISED", type(e).__name__, str(e)[:300])

def test_probe(stack):
    show(stack, "incoming/a.csv", "steam_id,xuid\n" + steam(1) + ",\n," + "1"*5000 + "\n" + steam(2) + ",\n", "huge xuid")
    show(stack, "incoming/b.csv", "x"*200000 + "\n1\n", "long single header")
    show(stack, "incoming/c.csv", '"steam_id,name\n' + (steam(3) + ",n\n") * 10000, "stray quote")
    show(stack, "incoming/d.csv", "steam_id," + ",".join(f"col{i:06d}xxxxxxxxxxxxxxxxxxxxxxxxxxx" for i in range(12000)) + "\n" + steam(4) + "\n", "wide header w/ id")
    show(stack, "incoming/e.csv", ",".join(f"col{i:06d}xxxxxxxxxxxxxxxxxxxxxxxxxxx" for i in range(12000)) + "\n" + steam(4) + "\n", "wide header no id")
    show(stack, "incoming/f.csv", "", "empty")
    show(stack, "incoming/g.csv", "steam_id\n", "header only")
    show(stack, "incoming/h.csv", "\ufeffsteam_id;name\r\n" + steam(5) + ";x\r\n", "bom semicolon")
    show(stack, "incoming/i.csv", "foo,bar\n1,2\n", "only unknown")
    show(stack, "incoming/j k+ü.csv", "steam_id\n" + steam(6) + "\n", "key unicode")
