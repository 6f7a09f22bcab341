/* SPDX-License-Identifier: MIT */
/*
 * batch unit tests: the manifest parser (every error placed by line,
 * column and field), the locator on its own, the state file (round trip,
 * atomic rewrite, a changed content is not a match) and the parse of a
 * child's result line.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "cunit_main.h"
#include "proto.h"

static char err[1024];

/* Parse text; returns the parse's result, err holds the message. */
static int parse(const char *text, struct batch_manifest *m)
{
	err[0] = 0;
	return batch_manifest_parse(text, strlen(text), "plant.json", "/srv/m", m, err,
				    sizeof(err));
}

/* text must be refused with exactly want. */
static void refused(const char *text, const char *want)
{
	struct batch_manifest m;

	CU_ASSERT_EQUAL(parse(text, &m), -1);
	CU_ASSERT_STRING_EQUAL(err, want);
	if (strcmp(err, want))
		fprintf(stderr, "\n  got:  %s\n  want: %s\n", err, want);
	CU_ASSERT_PTR_NULL(m.boards); /* disposed */
}

static const char good[] = "{\n"
			   "  \"interface\": \"eth1\",\n"
			   "  \"jobs\": 4,\n"
			   "  \"boards\": [\n"
			   "    {\"mac\": \"02:00:00:00:00:01\", \"name\": \"rack 1\",\n"
			   "     \"files\": [{\"type\": \"config\", \"path\": \"c.bin\"},\n"
			   "               {\"type\": \"algorithm\", \"path\": \"/abs/a.bin\"}]},\n"
			   "    {\"mac\": \"02-00-00-00-00-02\", \"group\": \"north\",\n"
			   "     \"files\": [{\"type\": \"redundancy\", \"path\": \"sub/r.bin\"}]}\n"
			   "  ]\n"
			   "}\n";

static void test_good(void)
{
	struct batch_manifest m;

	CU_ASSERT_EQUAL_FATAL(parse(good, &m), 0);
	CU_ASSERT_STRING_EQUAL(m.ifname, "eth1");
	CU_ASSERT_EQUAL(m.jobs, 4);
	CU_ASSERT_EQUAL_FATAL(m.nboards, 2);
	CU_ASSERT_STRING_EQUAL(m.boards[0].macs, "02:00:00:00:00:01");
	CU_ASSERT_STRING_EQUAL(m.boards[0].name, "rack 1");
	CU_ASSERT_PTR_NULL(m.boards[0].group);
	CU_ASSERT_EQUAL_FATAL(m.boards[0].nfiles, 2);
	CU_ASSERT_EQUAL(m.boards[0].files[0].type, FT_CONFIG);
	CU_ASSERT_STRING_EQUAL(m.boards[0].files[0].path, "/srv/m/c.bin");
	CU_ASSERT_STRING_EQUAL(m.boards[0].files[0].given, "c.bin");
	CU_ASSERT_STRING_EQUAL(m.boards[0].files[1].path, "/abs/a.bin");
	CU_ASSERT_EQUAL(m.boards[0].files[1].type, FT_ALGORITHM);
	/* no name: the MAC; '-' separators accepted, written with ':' */
	CU_ASSERT_STRING_EQUAL(m.boards[1].name, "02:00:00:00:00:02");
	CU_ASSERT_STRING_EQUAL(m.boards[1].group, "north");
	CU_ASSERT_STRING_EQUAL(m.boards[1].files[0].path, "/srv/m/sub/r.bin");
	batch_manifest_dispose(&m);
}

static void test_syntax(void)
{
	refused("{\n  \"interface\": \"eth1\",\n  \"boards\": [}\n",
		"plant.json:3:14: not valid JSON: unexpected token near '}'");
	/* a key twice is refused by the parser, not silently last-wins */
	refused("{\"interface\": \"a\", \"interface\": \"b\", \"boards\": []}",
		"plant.json:1:30: not valid JSON: duplicate object key near '\"interface\"'");
}

static void test_missing(void)
{
	refused("{\n  \"boards\": []\n}", "plant.json:1:1: interface: missing (the Ethernet "
					       "interface the boards are on)");
	refused("{\"interface\": \"eth1\"}", "plant.json:1:1: boards: missing (the list of boards)");
	/* a board's missing field: placed at the board's object */
	refused("{\"interface\": \"eth1\", \"boards\": [\n"
		"  {\"mac\": \"02:00:00:00:00:01\", \"files\": [{\"type\": \"config\", \"path\": \"a\"}]},\n"
		"  {\"files\": [{\"type\": \"config\", \"path\": \"a\"}]}]}",
		"plant.json:3:3: boards[1].mac: missing (the board's MAC address)");
	refused("{\"interface\": \"eth1\", \"boards\": [\n"
		"  {\"mac\": \"02:00:00:00:00:01\",\n"
		"   \"files\": [{\"path\": \"a\"}]}]}",
		"plant.json:3:14: boards[0].files[0].type: missing (config, algorithm, parameter "
		"or redundancy)");
	refused("{\"interface\": \"eth1\", \"boards\": [{\"mac\": \"02:00:00:00:00:01\"}]}",
		"plant.json:1:34: boards[0].files: missing (the list of files for the board)");
}

static void test_wrong_type(void)
{
	refused("{\"interface\": 7, \"boards\": []}",
		"plant.json:1:15: interface: must be a non-empty string");
	refused("{\"interface\": \"e\",\n \"jobs\": 65, \"boards\": []}",
		"plant.json:2:10: jobs: must be a whole number from 1 to 64");
	refused("{\"interface\": \"e\", \"jobs\": 2.5, \"boards\": []}",
		"plant.json:1:28: jobs: must be a whole number from 1 to 64");
	refused("{\"interface\": \"e\", \"boards\": {}}",
		"plant.json:1:30: boards: must be a non-empty list of boards");
	refused("{\"interface\": \"e\", \"boards\": [{\"mac\": \"02:00:00:00:00:01\", \"files\": "
		"[\"a\"]}]}",
		"plant.json:1:70: boards[0].files[0]: must be an object {\"type\": ..., \"path\": "
		"...}");
}

static void test_bad_mac(void)
{
	refused("{\"interface\": \"e\", \"boards\": [{\"mac\": \"02:00:00:00:00\", \"files\": "
		"[{\"type\": \"config\", \"path\": \"a\"}]}]}",
		"plant.json:1:39: boards[0].mac: \"02:00:00:00:00\" is not a MAC address "
		"(aa:bb:cc:dd:ee:ff)");
	refused("{\"interface\": \"e\", \"boards\": [{\"mac\": \"03:00:00:00:00:01\", \"files\": "
		"[{\"type\": \"config\", \"path\": \"a\"}]}]}",
		"plant.json:1:39: boards[0].mac: \"03:00:00:00:00:01\" is a group (multicast) "
		"address, not a board's");
}

static void test_bad_type_name(void)
{
	refused("{\"interface\": \"e\",\n \"boards\": [\n  {\"mac\": \"02:00:00:00:00:01\",\n"
		"   \"files\": [{\"type\": \"confg\", \"path\": \"a\"}]}]}",
		"plant.json:4:23: boards[0].files[0].type: \"confg\" is not a file type (config, "
		"algorithm, parameter, redundancy)");
}

static void test_unknown_key(void)
{
	refused("{\"interface\": \"e\", \"bords\": []}",
		"plant.json:1:29: bords: \"bords\" is not a known field (interface, jobs, boards)");
	refused("{\"interface\": \"e\", \"boards\": [{\"mac\": \"02:00:00:00:00:01\", \"nmae\": "
		"\"x\", \"files\": [{\"type\": \"config\", \"path\": \"a\"}]}]}",
		"plant.json:1:68: boards[0].nmae: \"nmae\" is not a known field (mac, name, files, "
		"group)");
}

static void test_duplicate_mac(void)
{
	refused("{\"interface\": \"e\", \"boards\": [\n"
		" {\"mac\": \"02:00:00:00:00:01\", \"files\": [{\"type\": \"config\", \"path\": "
		"\"a\"}]},\n"
		" {\"mac\": \"02:00:00:00:00:01\", \"files\": [{\"type\": \"config\", \"path\": "
		"\"b\"}]}]}",
		"plant.json:3:10: boards[1].mac: 02:00:00:00:00:01 is already boards[0]: one entry "
		"per board");
}

static void test_empty_boards(void)
{
	refused("{\"interface\": \"e\", \"boards\": []}",
		"plant.json:1:30: boards: must be a non-empty list of boards");
	refused("{\"interface\": \"e\", \"boards\": [{\"mac\": \"02:00:00:00:00:01\", \"files\": "
		"[]}]}",
		"plant.json:1:69: boards[0].files: must be a non-empty list of {\"type\": ..., "
		"\"path\": ...}");
}

static void test_locator(void)
{
	const char *t = "{ \"a\" : [ 1, {\"b\\\"x\": 2, \"c\": \"}]\"},\n\t[3, \"d\"] ],\n"
			"  \"e\": {\"f\": null} }";
	struct batch_jpath p1[] = {{"a", 0}, {NULL, 1}, {"c", 0}};
	struct batch_jpath p2[] = {{"a", 0}, {NULL, 2}, {NULL, 1}};
	struct batch_jpath p3[] = {{"e", 0}, {"f", 0}};
	struct batch_jpath p4[] = {{"a", 0}, {NULL, 3}};
	struct batch_jpath p5[] = {{"e", 0}, {NULL, 0}};
	int line, col;

	CU_ASSERT_EQUAL(batch_locate(t, NULL, 0, &line, &col), 0);
	CU_ASSERT(line == 1 && col == 1);
	/* past a string holding an escaped quote, and one holding brackets */
	CU_ASSERT_EQUAL(batch_locate(t, p1, 3, &line, &col), 0);
	CU_ASSERT(line == 1 && col == 31);
	CU_ASSERT_EQUAL(batch_locate(t, p2, 3, &line, &col), 0);
	CU_ASSERT(line == 2 && col == 6);
	CU_ASSERT_EQUAL(batch_locate(t, p3, 2, &line, &col), 0);
	CU_ASSERT(line == 3 && col == 14);
	CU_ASSERT_EQUAL(batch_locate(t, p4, 2, &line, &col), -1); /* no element 3 */
	CU_ASSERT_EQUAL(batch_locate(t, p5, 2, &line, &col), -1); /* an object, not a list */
}

static void test_check_files(void)
{
	char dir[] = "/tmp/test_batch.XXXXXX", text[512], path[600];
	struct batch_manifest m;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.bin", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("abc", f);
	fclose(f);
	snprintf(text, sizeof(text),
		 "{\"interface\": \"e\", \"boards\": [{\"mac\": \"02:00:00:00:00:01\",\n"
		 " \"files\": [{\"type\": \"config\", \"path\": \"a.bin\"},\n"
		 "  {\"type\": \"parameter\", \"path\": \"gone.bin\"}]}]}");
	CU_ASSERT_EQUAL_FATAL(batch_manifest_parse(text, strlen(text), "m.json", dir, &m, err,
						   sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(batch_manifest_check_files(&m, err, sizeof(err)), -1);
	snprintf(text, sizeof(text),
		 "m.json:3:33: boards[0].files[1].path: cannot read `%s/gone.bin': No such file "
		 "or directory",
		 dir);
	CU_ASSERT_STRING_EQUAL(err, text);
	/* the first one was hashed: SHA-256("abc") */
	CU_ASSERT_EQUAL(m.boards[0].files[0].size, 3);
	CU_ASSERT_EQUAL(m.boards[0].files[0].sha256[0], 0xba);
	CU_ASSERT_EQUAL(m.boards[0].files[0].sha256[31], 0xad);
	batch_manifest_dispose(&m);
	unlink(path);
	rmdir(dir);
}

static const uint8_t h1[32] = {1, 2, 3}, h2[32] = {1, 2, 4};

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_state(void)
{
	char dir[] = "/tmp/test_batch.XXXXXX", path[600];
	struct batch_state s, t;
	const struct batch_entry *e;
	struct stat st1, st2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	/* absent: empty */
	CU_ASSERT_EQUAL_FATAL(batch_state_load(path, &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(batch_state_add(&s, "02:00:00:00:00:01", FT_CONFIG, "/a", 10, h1, 100), 0);
	CU_ASSERT_EQUAL(batch_state_add(&s, "02:00:00:00:00:02", FT_ALGORITHM, "/b", 20, h2, 200),
			0);
	CU_ASSERT_EQUAL(stat(path, &st1), 0);
	/* round trip */
	CU_ASSERT_EQUAL_FATAL(batch_state_load(path, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.n, 2);
	e = batch_state_find(&t, "02:00:00:00:00:01", FT_CONFIG, 10, h1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->path, "/a");
	CU_ASSERT_EQUAL(e->time, 100);
	/* the same MAC in capitals is the same board */
	CU_ASSERT_PTR_NOT_NULL(batch_state_find(&t, "02:00:00:00:00:01", FT_CONFIG, 10, h1));
	/* a changed content, size, type or board: no match */
	CU_ASSERT_PTR_NULL(batch_state_find(&t, "02:00:00:00:00:01", FT_CONFIG, 10, h2));
	CU_ASSERT_PTR_NULL(batch_state_find(&t, "02:00:00:00:00:01", FT_CONFIG, 11, h1));
	CU_ASSERT_PTR_NULL(batch_state_find(&t, "02:00:00:00:00:01", FT_PARAMETER, 10, h1));
	CU_ASSERT_PTR_NULL(batch_state_find(&t, "02:00:00:00:00:03", FT_CONFIG, 10, h1));
	/* a new file of a type replaces the board's entry of that type */
	CU_ASSERT_EQUAL(batch_state_add(&t, "02:00:00:00:00:01", FT_CONFIG, "/a2", 10, h2, 300), 0);
	CU_ASSERT_EQUAL(t.n, 2);
	batch_state_dispose(&t);
	CU_ASSERT_EQUAL_FATAL(batch_state_load(path, &t, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(batch_state_find(&t, "02:00:00:00:00:01", FT_CONFIG, 10, h1));
	CU_ASSERT_PTR_NOT_NULL(batch_state_find(&t, "02:00:00:00:00:01", FT_CONFIG, 10, h2));
	/* rewritten by rename: a new inode, and no temp file left beside it */
	CU_ASSERT_EQUAL(stat(path, &st2), 0);
	CU_ASSERT_NOT_EQUAL(st1.st_ino, st2.st_ino);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	batch_state_dispose(&t);
	/* a directory where the temp file cannot be made: an error, and the
	 * old state untouched */
	if (geteuid() != 0) {
		chmod(dir, 0500);
		CU_ASSERT(batch_state_add(&s, "02:00:00:00:00:09", FT_CONFIG, "/z", 1, h1, 1) < 0);
		chmod(dir, 0700);
		CU_ASSERT_EQUAL(stat(path, &st1), 0);
		CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino);
	}
	batch_state_dispose(&s);
	/* a file that is not a state file */
	{
		FILE *f = fopen(path, "w");

		fputs("{\"verified\": [{\"board\": \"x\"}]}", f);
		fclose(f);
	}
	CU_ASSERT_EQUAL(batch_state_load(path, &t, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "verified[0] is malformed"));
	unlink(path);
	rmdir(dir);
}

static void test_result_line(void)
{
	struct batch_result r;
	char mac[18];

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(batch_parse_result("{\"board\":\"02:00:00:00:00:01\",\"file\":\"a\","
					   "\"result\":\"ok\",\"exit\":0,\"bytes\":5000,"
					   "\"seconds\":1.2345,\"detail\":\"\","
					   "\"resumed_frames\":3}",
					   &r, mac),
			0);
	CU_ASSERT_STRING_EQUAL(mac, "02:00:00:00:00:01");
	CU_ASSERT_EQUAL(r.exit, 0);
	CU_ASSERT_EQUAL(r.bytes, 5000);
	CU_ASSERT_EQUAL(r.ms, 1235);
	CU_ASSERT(r.verified && r.resumed);
	CU_ASSERT_EQUAL(batch_parse_result("{\"board\":\"02:00:00:00:00:03\",\"result\":"
					   "\"CONNECT_FAILED\",\"exit\":11,\"detail\":\"no reply\"}",
					   &r, mac),
			0);
	CU_ASSERT_EQUAL(r.exit, 11);
	CU_ASSERT(!r.verified);
	CU_ASSERT_STRING_EQUAL(r.detail, "no reply");
	/* a group's summary line and junk are not results */
	CU_ASSERT_EQUAL(batch_parse_result("{\"summary\":true,\"board\":\"x\",\"result\":\"ok\","
					   "\"exit\":0}",
					   &r, mac),
			-1);
	CU_ASSERT_EQUAL(batch_parse_result("ethdl: oops", &r, mac), -1);
}

static CU_TestInfo manifest_tests[] = {
	{"a good manifest", test_good},
	{"syntax error", test_syntax},
	{"missing field", test_missing},
	{"wrong type", test_wrong_type},
	{"bad MAC", test_bad_mac},
	{"bad type name", test_bad_type_name},
	{"unknown key", test_unknown_key},
	{"duplicate MAC", test_duplicate_mac},
	{"empty boards", test_empty_boards},
	{"locator", test_locator},
	{"files checked and hashed", test_check_files},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo state_tests[] = {
	{"round trip, atomic rewrite, content mismatch", test_state},
	{"a child's result line", test_result_line},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"batch manifest", NULL, NULL, NULL, NULL, manifest_tests},
	{"batch state", NULL, NULL, NULL, NULL, state_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
