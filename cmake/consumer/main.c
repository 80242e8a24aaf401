/* Consumer of an installed ringfence: includes the umbrella header, links
 * the library and calls into it. */
#include <stdio.h>

#include <ringfence.h>

int main(void)
{
	const char *msg = rf_strerror(RF_EMODE);
	if (!msg || !*msg)
		return 1;
	printf("ringfence consumer: RF_EMODE: %s\n", msg);
	return 0;
}
