/*
 * A Modbus TCP conformance client built against the system libmodbus: it runs libmodbus' own
 * client calls (and raw requests for what those calls refuse to send) against a server laid out
 * as below, and prints one line per check: "PASS <name> <detail>" or "FAIL <name> <detail>".
 * Exit status 0 when every check passed, 1 otherwise, 2 when it could not connect.
 *
 * Usage: modbus-conformance-client <port> <expected identification text>
 *
 * FC 43 / MEI 14 (read device identification) is expected with the server's default objects:
 * VendorName "edgegw", ProductCode "edge-gateway", MajorMinorRevision "1.0", no regular ones.
 *
 * The server must serve unit 1 with (like libmodbus' own unit-test layout, areas not at 0):
 *   coils             0x130, 0x25 of them
 *   discrete inputs   0x1C4, 0x16 of them, all ON
 *   holding registers 0x160, 0x20 of them
 *   input registers   0x108, 0x0A of them, input register i = 0x1000 + i (from the start)
 */
#include <errno.h>
#include <modbus.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>

#define UNIT 1
#define COILS_ADDRESS 0x130
#define COILS_NB 0x25
#define DISCRETE_ADDRESS 0x1C4
#define DISCRETE_NB 0x16
#define HOLDING_ADDRESS 0x160
#define HOLDING_NB 0x20
#define INPUT_ADDRESS 0x108
#define INPUT_NB 0x0A

static int failures = 0;

static void check(int ok, const char *name, const char *fmt, ...) {
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    printf("%s %s %s\n", ok ? "PASS" : "FAIL", name, detail);
    if (!ok) failures++;
    fflush(stdout);
}

/* A libmodbus call that must fail with the given exception (errno EMBXILADD, EMBXILVAL...). */
static void expect_error(int rc, int expected_errno, const char *name) {
    int err = errno;
    check(rc == -1 && err == expected_errno, name, "rc=%d errno=%d (%s), want %d (%s)", rc, rc == -1 ? err : 0,
          rc == -1 ? modbus_strerror(err) : "-", expected_errno, modbus_strerror(expected_errno));
}

/*
 * Sends a raw request PDU (after the unit id) and expects the exception the libmodbus errno
 * stands for (exception code = errno - MODBUS_ENOBASE).
 */
static void expect_raw_exception(modbus_t *ctx, const uint8_t *pdu, int pdu_length, int expected_errno, const char *name) {
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    uint8_t rsp[MODBUS_TCP_MAX_ADU_LENGTH];
    int offset = modbus_get_header_length(ctx);
    int want = expected_errno - MODBUS_ENOBASE;
    req[0] = UNIT;
    memcpy(req + 1, pdu, pdu_length);
    if (modbus_send_raw_request(ctx, req, pdu_length + 1) == -1) {
        check(0, name, "send failed: %s", modbus_strerror(errno));
        return;
    }
    int rc = modbus_receive_confirmation(ctx, rsp);
    if (rc == -1) {
        check(0, name, "no answer: %s", modbus_strerror(errno));
        return;
    }
    check(rc == offset + 2 && rsp[offset] == (pdu[0] | 0x80) && rsp[offset + 1] == want, name,
          "answer function 0x%02X exception %d (length %d), want 0x%02X exception %d (%s)", rsp[offset], rc > offset + 1 ? rsp[offset + 1] : -1, rc,
          pdu[0] | 0x80, want, modbus_strerror(expected_errno));
}

/*
 * Sends a raw request PDU and compares the whole answer PDU. libmodbus has no call for FC 43 and
 * sizes a confirmation by the function codes it knows, so the answer is read from the socket by
 * the length in its MBAP header (the socket is libmodbus' own, non-blocking).
 */
static void expect_raw_answer(modbus_t *ctx, const uint8_t *pdu, int pdu_length, const uint8_t *want, int want_length, const char *name) {
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    uint8_t rsp[MODBUS_TCP_MAX_ADU_LENGTH];
    req[0] = UNIT;
    memcpy(req + 1, pdu, pdu_length);
    if (modbus_send_raw_request(ctx, req, pdu_length + 1) == -1) {
        check(0, name, "send failed: %s", modbus_strerror(errno));
        return;
    }
    int got = 0;
    int total = 7;
    while (got < total) {
        struct pollfd readable = {.fd = modbus_get_socket(ctx), .events = POLLIN};
        ssize_t n = poll(&readable, 1, 5000) == 1 ? recv(readable.fd, rsp + got, total - got, 0) : -1;
        if (n <= 0) {
            check(0, name, "no answer after %d bytes", got);
            return;
        }
        got += (int)n;
        if (got >= 6 && total == 7) total = 6 + ((rsp[4] << 8) | rsp[5]);
        if (total > (int)sizeof rsp) {
            check(0, name, "answer length %d too long", total);
            return;
        }
    }
    int length = total - 7;
    check(length == want_length && memcmp(rsp + 7, want, want_length) == 0, name, "answer of %d bytes starting 0x%02X 0x%02X, want %d bytes", length, rsp[7],
          length > 1 ? rsp[8] : 0, want_length);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <port> <expected identification text>\n", argv[0]);
        return 2;
    }
    modbus_t *ctx = modbus_new_tcp("127.0.0.1", atoi(argv[1]));
    if (ctx == NULL || modbus_set_slave(ctx, UNIT) == -1 || modbus_connect(ctx) == -1) {
        fprintf(stderr, "cannot connect: %s\n", modbus_strerror(errno));
        return 2;
    }
    modbus_set_response_timeout(ctx, 2, 0);

    uint8_t bits[MODBUS_MAX_READ_BITS];
    uint16_t regs[MODBUS_MAX_READ_REGISTERS];
    int rc;

    /* ---- coils ---- */
    rc = modbus_write_bit(ctx, COILS_ADDRESS, ON);
    check(rc == 1, "write_bit", "rc=%d %s", rc, rc == -1 ? modbus_strerror(errno) : "");
    rc = modbus_read_bits(ctx, COILS_ADDRESS, 1, bits);
    check(rc == 1 && bits[0] == ON, "read_bit", "rc=%d value=%d", rc, bits[0]);
    uint8_t pattern[COILS_NB];
    for (int i = 0; i < COILS_NB; i++) pattern[i] = (i % 3) == 0;
    rc = modbus_write_bits(ctx, COILS_ADDRESS, COILS_NB, pattern);
    check(rc == COILS_NB, "write_bits", "rc=%d", rc);
    memset(bits, 0xAA, sizeof bits);
    rc = modbus_read_bits(ctx, COILS_ADDRESS, COILS_NB, bits);
    check(rc == COILS_NB && memcmp(bits, pattern, COILS_NB) == 0, "read_bits", "rc=%d", rc);
    expect_error(modbus_read_bits(ctx, COILS_ADDRESS - 1, 1, bits), EMBXILADD, "read_bits_below_start");
    expect_error(modbus_read_bits(ctx, COILS_ADDRESS + COILS_NB, 1, bits), EMBXILADD, "read_bits_past_end");
    expect_error(modbus_read_bits(ctx, COILS_ADDRESS, COILS_NB + 1, bits), EMBXILADD, "read_bits_too_many");
    expect_error(modbus_read_bits(ctx, 0, 1, bits), EMBXILADD, "read_bits_at_0");
    expect_error(modbus_write_bit(ctx, COILS_ADDRESS - 1, ON), EMBXILADD, "write_bit_below_start");
    expect_error(modbus_write_bit(ctx, COILS_ADDRESS + COILS_NB, ON), EMBXILADD, "write_bit_past_end");
    expect_error(modbus_write_bits(ctx, COILS_ADDRESS + COILS_NB - 1, 2, pattern), EMBXILADD, "write_bits_past_end");
    expect_error(modbus_write_bits(ctx, COILS_ADDRESS - 1, 2, pattern), EMBXILADD, "write_bits_below_start");

    /* ---- discrete inputs ---- */
    rc = modbus_read_input_bits(ctx, DISCRETE_ADDRESS, DISCRETE_NB, bits);
    int all_on = rc == DISCRETE_NB;
    for (int i = 0; all_on && i < DISCRETE_NB; i++) all_on = bits[i] == ON;
    check(all_on, "read_input_bits", "rc=%d", rc);
    expect_error(modbus_read_input_bits(ctx, DISCRETE_ADDRESS - 1, 1, bits), EMBXILADD, "read_input_bits_below_start");
    expect_error(modbus_read_input_bits(ctx, DISCRETE_ADDRESS + DISCRETE_NB, 1, bits), EMBXILADD, "read_input_bits_past_end");
    expect_error(modbus_read_input_bits(ctx, DISCRETE_ADDRESS, DISCRETE_NB + 1, bits), EMBXILADD, "read_input_bits_too_many");

    /* ---- holding registers ---- */
    rc = modbus_write_register(ctx, HOLDING_ADDRESS, 0x1234);
    check(rc == 1, "write_register", "rc=%d", rc);
    rc = modbus_read_registers(ctx, HOLDING_ADDRESS, 1, regs);
    check(rc == 1 && regs[0] == 0x1234, "read_register", "rc=%d value=0x%04X", rc, regs[0]);
    uint16_t values[HOLDING_NB];
    for (int i = 0; i < HOLDING_NB; i++) values[i] = (uint16_t)(0x0100 + i);
    rc = modbus_write_registers(ctx, HOLDING_ADDRESS, HOLDING_NB, values);
    check(rc == HOLDING_NB, "write_registers", "rc=%d", rc);
    rc = modbus_read_registers(ctx, HOLDING_ADDRESS, HOLDING_NB, regs);
    check(rc == HOLDING_NB && memcmp(regs, values, sizeof values) == 0, "read_registers", "rc=%d", rc);
    expect_error(modbus_read_registers(ctx, HOLDING_ADDRESS - 1, 1, regs), EMBXILADD, "read_registers_below_start");
    expect_error(modbus_read_registers(ctx, HOLDING_ADDRESS + HOLDING_NB, 1, regs), EMBXILADD, "read_registers_past_end");
    expect_error(modbus_read_registers(ctx, HOLDING_ADDRESS, HOLDING_NB + 1, regs), EMBXILADD, "read_registers_too_many");
    expect_error(modbus_read_registers(ctx, 0, 1, regs), EMBXILADD, "read_registers_at_0");
    expect_error(modbus_write_register(ctx, HOLDING_ADDRESS + HOLDING_NB, 1), EMBXILADD, "write_register_past_end");
    expect_error(modbus_write_registers(ctx, HOLDING_ADDRESS + HOLDING_NB - 1, 2, values), EMBXILADD, "write_registers_past_end");
    expect_error(modbus_write_registers(ctx, HOLDING_ADDRESS - 1, 2, values), EMBXILADD, "write_registers_below_start");

    /* ---- input registers ---- */
    rc = modbus_read_input_registers(ctx, INPUT_ADDRESS, INPUT_NB, regs);
    int inputs_ok = rc == INPUT_NB;
    for (int i = 0; inputs_ok && i < INPUT_NB; i++) inputs_ok = regs[i] == 0x1000 + i;
    check(inputs_ok, "read_input_registers", "rc=%d first=0x%04X", rc, regs[0]);
    expect_error(modbus_read_input_registers(ctx, INPUT_ADDRESS - 1, 1, regs), EMBXILADD, "read_input_registers_below_start");
    expect_error(modbus_read_input_registers(ctx, INPUT_ADDRESS + INPUT_NB, 1, regs), EMBXILADD, "read_input_registers_past_end");
    expect_error(modbus_read_input_registers(ctx, INPUT_ADDRESS, INPUT_NB + 1, regs), EMBXILADD, "read_input_registers_too_many");

    /* ---- FC 22 mask write register: (current AND and) OR (or AND NOT and) ---- */
    modbus_write_register(ctx, HOLDING_ADDRESS, 0x12);
    rc = modbus_mask_write_register(ctx, HOLDING_ADDRESS, 0xF2, 0x25);
    check(rc == 1, "mask_write_register", "rc=%d %s", rc, rc == -1 ? modbus_strerror(errno) : "");
    rc = modbus_read_registers(ctx, HOLDING_ADDRESS, 1, regs);
    check(rc == 1 && regs[0] == 0x17, "mask_write_register_value", "value=0x%04X, want 0x0017", regs[0]);
    expect_error(modbus_mask_write_register(ctx, HOLDING_ADDRESS + HOLDING_NB, 0xF2, 0x25), EMBXILADD, "mask_write_register_past_end");
    expect_error(modbus_mask_write_register(ctx, HOLDING_ADDRESS - 1, 0xF2, 0x25), EMBXILADD, "mask_write_register_below_start");

    /* ---- FC 23 read/write registers: the write happens before the read ---- */
    uint16_t written[2] = {0xAAAA, 0xBBBB};
    modbus_write_registers(ctx, HOLDING_ADDRESS, HOLDING_NB, values);
    rc = modbus_write_and_read_registers(ctx, HOLDING_ADDRESS + 1, 2, written, HOLDING_ADDRESS, 4, regs);
    check(rc == 4 && regs[0] == values[0] && regs[1] == 0xAAAA && regs[2] == 0xBBBB && regs[3] == values[3], "write_and_read_registers",
          "rc=%d read 0x%04X 0x%04X 0x%04X 0x%04X", rc, regs[0], regs[1], regs[2], regs[3]);
    expect_error(modbus_write_and_read_registers(ctx, HOLDING_ADDRESS + HOLDING_NB, 1, written, HOLDING_ADDRESS, 1, regs), EMBXILADD,
                 "write_and_read_registers_write_past_end");
    expect_error(modbus_write_and_read_registers(ctx, HOLDING_ADDRESS, 1, written, HOLDING_ADDRESS - 1, 2, regs), EMBXILADD,
                 "write_and_read_registers_read_below_start");

    /* ---- FC 17 report server id ---- */
    uint8_t id[MODBUS_MAX_PDU_LENGTH];
    rc = modbus_report_slave_id(ctx, sizeof id, id);
    size_t text_length = strlen(argv[2]);
    check(rc == (int)(2 + text_length) && id[0] == UNIT && id[1] == 0xFF && memcmp(id + 2, argv[2], text_length) == 0, "report_slave_id",
          "rc=%d id=%d run=0x%02X text=%.*s", rc, id[0], id[1], rc > 2 ? rc - 2 : 0, (const char *)id + 2);

    /* ---- quantities out of range: libmodbus' calls refuse to send them, so raw requests ---- */
    const uint8_t fc1_zero[] = {0x01, COILS_ADDRESS >> 8, COILS_ADDRESS & 0xFF, 0x00, 0x00};
    expect_raw_exception(ctx, fc1_zero, sizeof fc1_zero, EMBXILVAL, "read_bits_quantity_0");
    const uint8_t fc1_2001[] = {0x01, COILS_ADDRESS >> 8, COILS_ADDRESS & 0xFF, 0x07, 0xD1};
    expect_raw_exception(ctx, fc1_2001, sizeof fc1_2001, EMBXILVAL, "read_bits_quantity_2001");
    const uint8_t fc2_2001[] = {0x02, DISCRETE_ADDRESS >> 8, DISCRETE_ADDRESS & 0xFF, 0x07, 0xD1};
    expect_raw_exception(ctx, fc2_2001, sizeof fc2_2001, EMBXILVAL, "read_input_bits_quantity_2001");
    const uint8_t fc3_zero[] = {0x03, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x00};
    expect_raw_exception(ctx, fc3_zero, sizeof fc3_zero, EMBXILVAL, "read_registers_quantity_0");
    const uint8_t fc3_126[] = {0x03, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x7E};
    expect_raw_exception(ctx, fc3_126, sizeof fc3_126, EMBXILVAL, "read_registers_quantity_126");
    const uint8_t fc4_126[] = {0x04, INPUT_ADDRESS >> 8, INPUT_ADDRESS & 0xFF, 0x00, 0x7E};
    expect_raw_exception(ctx, fc4_126, sizeof fc4_126, EMBXILVAL, "read_input_registers_quantity_126");
    /* quantity checked before address: a bad quantity at a bad address is still 03 */
    const uint8_t fc3_126_at_0[] = {0x03, 0x00, 0x00, 0x00, 0x7E};
    expect_raw_exception(ctx, fc3_126_at_0, sizeof fc3_126_at_0, EMBXILVAL, "read_registers_quantity_before_address");
    const uint8_t fc15_mismatch[] = {0x0F, COILS_ADDRESS >> 8, COILS_ADDRESS & 0xFF, 0x00, 0x09, 0x01, 0xFF};
    expect_raw_exception(ctx, fc15_mismatch, sizeof fc15_mismatch, EMBXILVAL, "write_bits_byte_count_mismatch");
    const uint8_t fc16_mismatch[] = {0x10, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x02, 0x02, 0x00, 0x01};
    expect_raw_exception(ctx, fc16_mismatch, sizeof fc16_mismatch, EMBXILVAL, "write_registers_byte_count_mismatch");
    const uint8_t fc16_124[] = {0x10, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x7C, 0x00};
    expect_raw_exception(ctx, fc16_124, sizeof fc16_124, EMBXILVAL, "write_registers_quantity_124");
    const uint8_t fc23_write_122[] = {0x17, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x01, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x7A, 0x00};
    expect_raw_exception(ctx, fc23_write_122, sizeof fc23_write_122, EMBXILVAL, "write_and_read_registers_write_quantity_122");
    const uint8_t fc23_read_126[] = {0x17, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x7E, HOLDING_ADDRESS >> 8, HOLDING_ADDRESS & 0xFF, 0x00, 0x01, 0x02, 0x00, 0x01};
    expect_raw_exception(ctx, fc23_read_126, sizeof fc23_read_126, EMBXILVAL, "write_and_read_registers_read_quantity_126");
    const uint8_t fc5_value[] = {0x05, COILS_ADDRESS >> 8, COILS_ADDRESS & 0xFF, 0x12, 0x34};
    expect_raw_exception(ctx, fc5_value, sizeof fc5_value, EMBXILVAL, "write_bit_value_not_on_off");
    /* address checked before the value */
    const uint8_t fc5_value_at_0[] = {0x05, 0x00, 0x00, 0x12, 0x34};
    expect_raw_exception(ctx, fc5_value_at_0, sizeof fc5_value_at_0, EMBXILADD, "write_bit_address_before_value");
    /* ---- FC 43 / MEI 14 read device identification (Modbus Application Protocol 6.21) ---- */
    const uint8_t fc43_basic[] = {0x2B, 0x0E, 0x01, 0x00};
    const uint8_t fc43_basic_answer[] = {0x2B, 0x0E, 0x01, 0x81, 0x00, 0x00, 0x03, 0x00, 6,   'e', 'd', 'g', 'e', 'g', 'w', 0x01, 12, 'e', 'd',
                                         'g',  'e',  '-',  'g',  'a',  't',  'e',  'w',  'a', 'y', 0x02, 3,   '1', '.', '0'};
    expect_raw_answer(ctx, fc43_basic, sizeof fc43_basic, fc43_basic_answer, sizeof fc43_basic_answer, "read_device_id_basic_stream");
    const uint8_t fc43_one[] = {0x2B, 0x0E, 0x04, 0x02};
    const uint8_t fc43_one_answer[] = {0x2B, 0x0E, 0x04, 0x81, 0x00, 0x00, 0x01, 0x02, 3, '1', '.', '0'};
    expect_raw_answer(ctx, fc43_one, sizeof fc43_one, fc43_one_answer, sizeof fc43_one_answer, "read_device_id_specific_object");
    const uint8_t fc43_mei13[] = {0x2B, 0x0D, 0x01, 0x00};
    expect_raw_exception(ctx, fc43_mei13, sizeof fc43_mei13, EMBXILFUN, "read_device_id_other_mei_type");
    const uint8_t fc43_absent[] = {0x2B, 0x0E, 0x04, 0x03};
    expect_raw_exception(ctx, fc43_absent, sizeof fc43_absent, EMBXILADD, "read_device_id_object_not_held");
    const uint8_t fc43_code5[] = {0x2B, 0x0E, 0x05, 0x00};
    expect_raw_exception(ctx, fc43_code5, sizeof fc43_code5, EMBXILVAL, "read_device_id_bad_code");

    const uint8_t fc42[] = {0x2A, 0x00, 0x00};
    expect_raw_exception(ctx, fc42, sizeof fc42, EMBXILFUN, "function_not_supported");

    modbus_close(ctx);
    modbus_free(ctx);
    printf("%s %d failed\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
