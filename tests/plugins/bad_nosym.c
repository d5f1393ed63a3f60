/* A shared object without the pinetd_plugin_v1 symbol: refused. */
__attribute__((visibility("default"))) int not_a_plugin = 42;
