/* voipsec: one binary, subcommands from one sorted table. The CLI uses only the public API of
 * libvoipsec; everything it prints is decided here, never in the library. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const vs_cli_cmd commands[] = {
    {"access", vs_cmd_access, "keep and verify the tamper-evident equipment access log"},
    {"audit", vs_cmd_audit, "audit PBX configurations (Asterisk, FreeSWITCH, Kamailio)"},
    {"creds", vs_cmd_creds, "import, check, generate and track VoIP secrets and PINs"},
    {"inventory", vs_cmd_inventory, "devices seen and their firmware: history, vulnerable, stale"},
    {"monitor", vs_cmd_monitor, "watch SIP traffic (captures or live) and report attacks"},
    {"scan", vs_cmd_scan, "find SIP services you name, fingerprint them, check their exposure"},
    {"sip", vs_cmd_sip, "parse and check SIP messages (RFC 3261) and their SDP"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: voipsec [--help] [--version] COMMAND [ARGS...]\n\n"
                 "voipsec audits, watches and reports on the security of a VoIP phone system.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'voipsec COMMAND --help' for the options of a command.\n"
                 "Exit status: 0 success, 1 findings or invalid input found, 2 usage error or "
                 "unreadable input.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return VS_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return VS_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("voipsec %s\n", vs_version());
        return VS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "voipsec: unknown command '%s'\n", cmd);
    usage(stderr);
    return VS_EXIT_USAGE;
}
