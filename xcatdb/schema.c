/*
 * The xCAT tables and their exact DDL.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "xmalloc.h"

/* Columns in schema order (xcat-core Schema.pm), as in xcat-data.md 3. */
static const struct schema_column schema_nodelist[] = {
	{ "node", SCHEMA_KEY, NULL },
	{ "groups", 0, NULL },
	{ "status", 0, NULL },
	{ "statustime", 0, NULL },
	{ "appstatus", 0, NULL },
	{ "appstatustime", 0, NULL },
	{ "primarysn", 0, NULL },
	{ "hidden", 0, NULL },
	{ "updatestatus", 0, NULL },
	{ "updatestatustime", 0, NULL },
	{ "zonename", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_noderes[] = {
	{ "node", SCHEMA_KEY, NULL },
	{ "servicenode", 0, NULL },
	{ "netboot", 0, NULL },
	{ "tftpserver", 0, NULL },
	{ "tftpdir", 0, NULL },
	{ "nfsserver", 0, NULL },
	{ "monserver", 0, NULL },
	{ "nfsdir", 0, NULL },
	{ "installnic", 0, NULL },
	{ "primarynic", 0, NULL },
	{ "discoverynics", 0, NULL },
	{ "cmdinterface", 0, NULL },
	{ "xcatmaster", 0, NULL },
	{ "current_osimage", 0, NULL },
	{ "next_osimage", 0, NULL },
	{ "nimserver", 0, NULL },
	{ "routenames", 0, NULL },
	{ "nameservers", 0, NULL },
	{ "proxydhcp", 0, NULL },
	{ "syslog", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_nodehm[] = {
	{ "node", SCHEMA_KEY, NULL },
	{ "power", 0, NULL },
	{ "mgt", 0, NULL },
	{ "cons", 0, NULL },
	{ "termserver", 0, NULL },
	{ "termport", 0, NULL },
	{ "conserver", 0, NULL },
	{ "serialport", 0, NULL },
	{ "serialspeed", 0, NULL },
	{ "serialflow", 0, NULL },
	{ "getmac", 0, NULL },
	{ "cmdmapping", 0, NULL },
	{ "consoleondemand", 0, NULL },
	{ "consoleenabled", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_nodetype[] = {
	{ "node", SCHEMA_KEY, NULL },
	{ "os", 0, NULL },
	{ "arch", 0, NULL },
	{ "profile", 0, NULL },
	{ "provmethod", 0, NULL },
	{ "supportedarchs", 0, NULL },
	{ "nodetype", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_site[] = {
	{ "key", SCHEMA_KEY, NULL },
	{ "value", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_networks[] = {
	{ "netname", 0, NULL },
	{ "net", SCHEMA_KEY, NULL },
	{ "mask", SCHEMA_KEY, NULL },
	{ "mgtifname", 0, NULL },
	{ "gateway", 0, NULL },
	{ "dhcpserver", 0, NULL },
	{ "tftpserver", 0, NULL },
	{ "nameservers", 0, NULL },
	{ "ntpservers", 0, NULL },
	{ "logservers", 0, NULL },
	{ "dynamicrange", 0, NULL },
	{ "staticrange", 0, NULL },
	{ "staticrangeincrement", 0, NULL },
	{ "nodehostname", 0, NULL },
	{ "ddnsdomain", 0, NULL },
	{ "vlanid", 0, NULL },
	{ "domain", 0, NULL },
	{ "mtu", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_postscripts[] = {
	{ "node", SCHEMA_KEY, NULL },
	{ "postscripts", 0, NULL },
	{ "postbootscripts", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_nodegroup[] = {
	{ "groupname", SCHEMA_KEY, NULL },
	{ "grouptype", 0, NULL },
	{ "members", 0, NULL },
	{ "membergroups", 0, NULL },
	{ "wherevals", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_servicenode[] = {
	{ "node", SCHEMA_KEY, NULL },
	{ "nameserver", 0, NULL },
	{ "dhcpserver", 0, NULL },
	{ "tftpserver", 0, NULL },
	{ "nfsserver", 0, NULL },
	{ "conserver", 0, NULL },
	{ "monserver", 0, NULL },
	{ "ldapserver", 0, NULL },
	{ "ntpserver", 0, NULL },
	{ "ftpserver", 0, NULL },
	{ "nimserver", 0, NULL },
	{ "ipforward", 0, NULL },
	{ "dhcpinterfaces", 0, NULL },
	{ "proxydhcp", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_nimimage[] = {
	{ "imagename", SCHEMA_KEY, NULL },
	{ "nimtype", 0, NULL },
	{ "lpp_source", 0, NULL },
	{ "spot", 0, NULL },
	{ "root", 0, NULL },
	{ "dump", 0, NULL },
	{ "paging", 0, NULL },
	{ "resolv_conf", 0, NULL },
	{ "tmp", 0, NULL },
	{ "home", 0, NULL },
	{ "shared_home", 0, NULL },
	{ "res_group", 0, NULL },
	{ "nimmethod", 0, NULL },
	{ "script", 0, NULL },
	{ "bosinst_data", 0, NULL },
	{ "installp_bundle", 0, NULL },
	{ "mksysb", 0, NULL },
	{ "fb_script", 0, NULL },
	{ "shared_root", 0, NULL },
	{ "otherpkgs", 0, NULL },
	{ "image_data", 0, NULL },
	{ "configdump", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_statelite[] = {
	{ "node", SCHEMA_NOT_NULL | SCHEMA_KEY, NULL },
	{ "image", 0, NULL },
	{ "statemnt", SCHEMA_NOT_NULL, NULL },
	{ "mntopts", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_hosts[] = {
	{ "node", SCHEMA_KEY, NULL },
	{ "ip", 0, NULL },
	{ "hostnames", 0, NULL },
	{ "otherinterfaces", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

static const struct schema_column schema_osimage[] = {
	{ "imagename", SCHEMA_KEY, NULL },
	{ "groups", 0, NULL },
	{ "profile", 0, NULL },
	{ "imagetype", 0, NULL },
	{ "description", 0, NULL },
	{ "provmethod", 0, NULL },
	{ "rootfstype", 0, NULL },
	{ "nfsrootopts", 0, NULL },
	{ "osdistroname", 0, NULL },
	{ "osupdatename", 0, "VARCHAR(1024)" },
	{ "cfmdir", 0, NULL },
	{ "osname", 0, NULL },
	{ "osvers", 0, NULL },
	{ "osarch", 0, NULL },
	{ "synclists", 0, NULL },
	{ "postscripts", 0, NULL },
	{ "postbootscripts", 0, NULL },
	{ "serverrole", 0, NULL },
	{ "isdeletable", 0, NULL },
	{ "kitcomponents", 0, NULL },
	{ "environvar", 0, NULL },
	{ "comments", 0, NULL },
	{ "disable", 0, NULL },
};

const struct schema_table schema_tables[] = {
	{ "nodelist", schema_nodelist,
	    sizeof schema_nodelist / sizeof schema_nodelist[0] },
	{ "noderes", schema_noderes,
	    sizeof schema_noderes / sizeof schema_noderes[0] },
	{ "nodehm", schema_nodehm,
	    sizeof schema_nodehm / sizeof schema_nodehm[0] },
	{ "nodetype", schema_nodetype,
	    sizeof schema_nodetype / sizeof schema_nodetype[0] },
	{ "site", schema_site, sizeof schema_site / sizeof schema_site[0] },
	{ "networks", schema_networks,
	    sizeof schema_networks / sizeof schema_networks[0] },
	{ "postscripts", schema_postscripts,
	    sizeof schema_postscripts / sizeof schema_postscripts[0] },
	{ "nodegroup", schema_nodegroup,
	    sizeof schema_nodegroup / sizeof schema_nodegroup[0] },
	{ "servicenode", schema_servicenode,
	    sizeof schema_servicenode / sizeof schema_servicenode[0] },
	{ "nimimage", schema_nimimage,
	    sizeof schema_nimimage / sizeof schema_nimimage[0] },
	{ "statelite", schema_statelite,
	    sizeof schema_statelite / sizeof schema_statelite[0] },
	{ "osimage", schema_osimage,
	    sizeof schema_osimage / sizeof schema_osimage[0] },
	{ "hosts", schema_hosts, sizeof schema_hosts / sizeof schema_hosts[0] },
	{ NULL, NULL, 0 }
};

const struct schema_table *
schema_table(const char *name)
{
	const struct schema_table *t;

	for (t = schema_tables; t->name != NULL; t++) {
		if (strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

int
schema_column_index(const struct schema_table *t, const char *column)
{
	unsigned int i;

	for (i = 0; i < t->ncolumns; i++) {
		if (strcmp(t->columns[i].name, column) == 0)
			return (int)i;
	}
	return -1;
}

const char *
schema_key(const struct schema_table *t)
{
	unsigned int i;

	for (i = 0; i < t->ncolumns; i++) {
		if (t->columns[i].flags & SCHEMA_KEY)
			return t->columns[i].name;
	}
	return t->columns[0].name;
}

/* Append text to a growing string. */
static void
schema_append(char **buf, size_t *len, const char *text)
{
	size_t n = strlen(text);

	*buf = xreallocarray(*buf, *len + n + 1, 1);
	memcpy(*buf + *len, text, n + 1);
	*len += n;
}

/*
 * Build the statement as buildcreatestmt does: a key column is
 * "VARCHAR(128) " with its trailing blank, others TEXT, NOT NULL appended
 * with one more blank, keys joined by "," without blanks, no final newline.
 */
char *
schema_ddl(const struct schema_table *t)
{
	const struct schema_column *c;
	char *buf = NULL, *line;
	size_t len = 0;
	unsigned int i, nkeys = 0;

	line = xasprintf("CREATE TABLE %s (\n", t->name);
	schema_append(&buf, &len, line);
	free(line);
	for (i = 0; i < t->ncolumns; i++) {
		c = &t->columns[i];
		line = xasprintf("  %s %s%s,\n", c->name,
		    c->type != NULL		? c->type :
			(c->flags & SCHEMA_KEY) ? "VARCHAR(128) " :
						  "TEXT",
		    (c->flags & SCHEMA_NOT_NULL) ? " NOT NULL" : "");
		schema_append(&buf, &len, line);
		free(line);
	}
	schema_append(&buf, &len, "  PRIMARY KEY (");
	for (i = 0; i < t->ncolumns; i++) {
		if (!(t->columns[i].flags & SCHEMA_KEY))
			continue;
		if (nkeys++ > 0)
			schema_append(&buf, &len, ",");
		schema_append(&buf, &len, t->columns[i].name);
	}
	schema_append(&buf, &len, ")\n)");
	return buf;
}
