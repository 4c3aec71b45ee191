/*
 * The xCAT tables snguard reads or writes, their columns in schema order,
 * and the CREATE TABLE text xCAT's buildcreatestmt produces for them
 * (xcat-data.md sections 3 and 4).
 */
#ifndef SNGUARD_SCHEMA_H
#define SNGUARD_SCHEMA_H

#define SCHEMA_KEY 0x1	    /* part of the primary key */
#define SCHEMA_NOT_NULL 0x2 /* declared NOT NULL */

struct schema_column {
	const char *name;
	int flags;
	const char *type; /* NULL: TEXT, or VARCHAR(128) for keys */
};

struct schema_table {
	const char *name;
	const struct schema_column *columns;
	unsigned int ncolumns;
};

/* The table called name, or NULL. */
const struct schema_table *schema_table(const char *name);
/* Every table, ended by a NULL name. */
extern const struct schema_table schema_tables[];
/* Index of a column in a table, or -1. */
int schema_column_index(const struct schema_table *, const char *column);
/* The first key column: the one node-keyed tables hold node names in. */
const char *schema_key(const struct schema_table *);
/* The exact CREATE TABLE statement, without a final semicolon. */
char *schema_ddl(const struct schema_table *);

#endif /* SNGUARD_SCHEMA_H */
