package io.riskgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests that are not proper HTTP get a 4xx answer (JSON where the server answers at all), never a 5xx. */
class RawHttpTest {
  private static RiskgateServer server;

  @BeforeAll
  static void start(@TempDir Path data) {
    server = TestSupport.startDemo(data, "RISKGATE_SERVER_MAX_BODY_BYTES", "4096");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Sends raw bytes, then reads until the server closes or 64 KiB arrived; the socket times out after 10 s. */
  private static String exchange(String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        s.shutdownOutput();
      } catch (SocketException e) {
        // the server may close first; read what it said
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      try {
        while (got.size() < 65536 && (n = in.read(buf)) > 0) {
          got.write(buf, 0, n);
        }
      } catch (SocketException e) {
        // reset after the answer
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static int status(String response) {
    assertThat(response).startsWith("HTTP/1.1 ");
    return Integer.parseInt(response.substring(9, 12));
  }

  private static String body(String response) {
    int i = response.indexOf("\r\n\r\n");
    return i < 0 ? "" : response.substring(i + 4);
  }

  @Test
  void malformedRequestsGetA4xx() throws IOException {
    String event = TestSupport.event("tx1", "account123", 8000);
    List<String> requests = List.of(
        "GARBAGE\r\n\r\n",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n" + event,
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n" + event,
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n" + event,
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n" + "a".repeat(8192) + "\r\n0\r\n\r\n",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "a".repeat(100),
        "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n",
        "GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /health\r\n\r\n",
        "GET /he\u0000alth HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /v1/rulesets/%20/rollback HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
    for (String req : requests) {
      String shown = req.substring(0, Math.min(60, req.length())).replace("\r\n", "\\r\\n");
      String resp = exchange(req);
      if (resp.isEmpty()) {
        continue; // closing the connection is an acceptable answer to garbage
      }
      int st = status(resp);
      assertThat(st).as(shown + " -> " + resp.substring(0, Math.min(300, resp.length()))).isBetween(400, 499);
      String b = body(resp);
      if (!b.isEmpty() && b.startsWith("{")) {
        assertThat(TestSupport.obj(b)).as(shown).containsKey("error");
      }
    }
    // Still serving.
    String ok = exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(status(ok)).isEqualTo(200);
  }

  @Test
  void aBrokenChunkedBodyIs400AndClosesTheConnection() throws IOException {
    // The rest of the connection must not be read as a next request.
    String resp = exchange("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "zz\r\nGET /v1/nope HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(status(resp)).isEqualTo(400);
    assertThat(resp.toLowerCase()).contains("connection: close");
    assertThat(TestSupport.obj(body(resp))).containsKey("error");
    assertThat(resp.split("HTTP/1.1 ", -1)).hasSize(2);
  }

  @Test
  void anOversizedChunkedBodyIs413AndItsDataIsNotReadAsARequest() throws IOException {
    String smuggled = "GET /v1/nope HTTP/1.1\r\nHost: x\r\n\r\n";
    String data = smuggled + "a".repeat(0x1400 - smuggled.length());
    String resp = exchange("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "1400\r\n" + data + "\r\n0\r\n\r\n");
    assertThat(status(resp)).isEqualTo(413);
    assertThat(TestSupport.obj(body(resp)).toString()).contains("too_large");
    assertThat(resp).doesNotContain("404").doesNotContain("not_found");
    assertThat(resp.split("HTTP/1.1 ", -1)).hasSize(2);
  }

  @Test
  void bodyTooLargeIsJson() throws IOException {
    String resp = exchange("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: 5000\r\n\r\n" + "a".repeat(5000));
    assertThat(status(resp)).isEqualTo(413);
    assertThat(resp.toLowerCase()).contains("content-type: application/json");
    assertThat(TestSupport.obj(body(resp).strip())).containsKey("error");
  }
}
