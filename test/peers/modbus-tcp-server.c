/* The Modbus TCP peer of the tests and the benchmark: a small, fast libmodbus server.

   Image (10,000 entries of each table, addresses 0..9999; anything beyond answers
   exception 2, "illegal data address"):
     holding register i = i, input register i = 2*i (mod 65536),
     coil i = i & 1, discrete input i = 0.
   Writes change the image for every client. Any unit id is answered (Modbus TCP).
   Many clients at once: one poll() loop, one request per readable socket per turn, so a client
   that pipelines several requests is answered in order and never starves the others.

   build: cc -O2 -o modbus-tcp-server modbus-tcp-server.c $(pkg-config --cflags --libs libmodbus)
   run:   modbus-tcp-server PORT [--nodelay] [--changing]
          --nodelay sets TCP_NODELAY on accepted sockets (by default Nagle stays on, as in
          many embedded stacks: the benchmark measures both).
          --changing adds 1 to every holding register a read request (FC 3) covers, after the
          answer: every value read changes from one read to the next (the benchmark's worst
          case for decoding and report-by-exception; the image starts as above).
          Listens on 127.0.0.1 only. */
#include <errno.h>
#include <modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define TABLE_SIZE 10000
#define MAX_CLIENTS 1024

static int parse_port(const char *text) {
    char *end = NULL;
    long port = strtol(text, &end, 10);
    if (end == text || *end != '\0' || port < 1 || port > 65535) return -1;
    return (int)port;
}

int main(int argc, char **argv) {
    int port = -1, nodelay = 0, changing = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--nodelay") == 0) nodelay = 1;
        else if (strcmp(argv[i], "--changing") == 0) changing = 1;
        else port = parse_port(argv[i]);
    }
    if (port < 0) {
        fprintf(stderr, "usage: %s PORT [--nodelay] [--changing]   (PORT 1..65535)\n", argv[0]);
        return 2;
    }
#ifdef __linux__
    /* a test runner killed hard must not leave servers behind */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    /* a client that disconnects while we answer must not kill the server */
    signal(SIGPIPE, SIG_IGN);

    modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
    modbus_mapping_t *image = modbus_mapping_new(TABLE_SIZE, TABLE_SIZE, TABLE_SIZE, TABLE_SIZE);
    if (ctx == NULL || image == NULL) {
        fprintf(stderr, "modbus-tcp-server: %s\n", modbus_strerror(errno));
        return 1;
    }
    for (int i = 0; i < TABLE_SIZE; i++) {
        image->tab_registers[i] = (uint16_t)i;
        image->tab_input_registers[i] = (uint16_t)((2 * i) & 0xffff);
        image->tab_bits[i] = (uint8_t)(i & 1);
        image->tab_input_bits[i] = 0;
    }

    int listener = modbus_tcp_listen(ctx, 64);
    if (listener < 0) {
        fprintf(stderr, "modbus-tcp-server: listen on 127.0.0.1:%d: %s\n", port, modbus_strerror(errno));
        return 1;
    }

    struct pollfd fds[MAX_CLIENTS + 1];
    int count = 1;
    fds[0].fd = listener;
    fds[0].events = POLLIN;
    uint8_t request[MODBUS_TCP_MAX_ADU_LENGTH];

    for (;;) {
        if (poll(fds, (nfds_t)count, -1) < 0) {
            if (errno == EINTR) continue;
            perror("modbus-tcp-server: poll");
            return 1;
        }
        /* clients first, from the end, so closing one (moving the last into its slot) is safe */
        for (int i = count - 1; i >= 1; i--) {
            if (fds[i].revents == 0) continue;
            modbus_set_socket(ctx, fds[i].fd);
            int length = (fds[i].revents & POLLIN) ? modbus_receive(ctx, request) : -1;
            if (length > 0) {
                modbus_reply(ctx, request, length, image);
                /* MBAP header (7 bytes), then function code, address and count (big-endian) */
                if (changing && length >= 12 && request[7] == 3) {
                    int address = (request[8] << 8) | request[9];
                    int quantity = (request[10] << 8) | request[11];
                    for (int a = address; a < address + quantity && a < TABLE_SIZE; a++) image->tab_registers[a]++;
                }
            } else if (length < 0) {
                close(fds[i].fd);
                fds[i] = fds[--count];
            }
            /* length == 0: a request for another unit, ignored by libmodbus */
        }
        if (fds[0].revents & POLLIN) {
            int client = accept(listener, NULL, NULL);
            if (client >= 0 && count > MAX_CLIENTS) {
                close(client);
            } else if (client >= 0) {
                if (nodelay) {
                    int one = 1;
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                }
                fds[count].fd = client;
                fds[count].events = POLLIN;
                fds[count].revents = 0;
                count++;
            }
        }
    }
}
