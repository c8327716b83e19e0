// Placeholder replaced by the datagen implementation.
#include <cstdio>
int main() { std::puts("acme-datagen"); return 0; }
