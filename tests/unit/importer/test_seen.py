from customers.importer.seen import SeenIdentities


def test_claim_reports_the_first_line_of_any_shared_identity(tmp_path) -> None:
    with SeenIdentities(str(tmp_path)) as seen:
        assert seen.claim(
            [(2, ("steam_id:1",)), (3, ("steam_id:2", "xbox_xuid:9")), (4, ("steam_id:1",))]
        ) == [
            None,
            None,
            2,
        ]
        # Across calls, and through any one of several identities; a duplicate records nothing new.
        assert seen.claim([(5, ("xbox_xuid:9", "steam_id:7")), (6, ("steam_id:7",))]) == [3, None]
        assert seen.claim([(7, ("steam_id:7",))]) == [6]
    assert list(tmp_path.iterdir()) == []
