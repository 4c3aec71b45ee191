/*
 * libFuzzer harness for the control protocol: every input is a request
 * line as a peer of the control socket may send it. Checking it, reading
 * its fields and building a reply must never crash, hang or leak, and a
 * request that passes must carry only fields of its operation.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ctl_field *f;
	const struct ctl_op *op;
	char err[512], *reply;
	const char *key;
	json_t *req, *v;

	req = ctl_parse((const char *)data, size, &op, err, sizeof err);
	if (req == NULL) {
		if (op != NULL || err[0] == '\0')
			abort();
		reply = ctl_reply_error("%s", err);
		free(reply);
		return 0;
	}
	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "op") == 0)
			continue;
		for (f = op->fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL)
			abort();
		(void)ctl_str(req, key, NULL);
		(void)ctl_int(req, key, 0);
		(void)ctl_bool(req, key, 0);
	}
	reply = ctl_reply_ok(json_deep_copy(req));
	free(reply);
	json_decref(req);
	return 0;
}
