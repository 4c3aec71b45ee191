/*
 * Helpers for unit tests that run on a real xCAT database: SQLite files
 * created with xCAT's exact DDL in a temporary directory.
 */
#ifndef SNGUARD_TESTDB_H
#define SNGUARD_TESTDB_H

/*
 * Run sql (NULL: nothing) on dir/table.sqlite, creating the file with
 * xCAT's DDL first when it does not exist. Fails the test on an error.
 */
void testdb_fixture(const char *dir, const char *table, const char *sql);
/* Remove a temporary directory and everything below it; 0 or -1. */
int testdb_remove(const char *dir);

#endif /* SNGUARD_TESTDB_H */
