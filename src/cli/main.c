/* main.c - placeholder until the CLI lands */
#include <stdio.h>
int main(void) { puts("tern " TERN_VERSION); return 0; }
