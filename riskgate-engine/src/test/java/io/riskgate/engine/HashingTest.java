package io.riskgate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashingTest {
  static final long K0 = 0x0706050403020100L;
  static final long K1 = 0x0f0e0d0c0b0a0908L;

  /** The reference vectors of SipHash-2-4 (key 00..0f, message 00..n-1), for even lengths. */
  @Test
  void shouldMatchTheSipHashReferenceVectors() {
    assertThat(Hashing.sip(K0, K1, "")).isEqualTo(0x726fdb47dd0e0e31L);
    assertThat(Hashing.sip(K0, K1, "\u0100\u0302\u0504\u0706")).isEqualTo(0x93f5f5799a932462L);
    assertThat(Hashing.sip(K0, K1, "\u0100\u0302")).isEqualTo(0xcf2794e0277187b7L);
  }

  @Test
  void shouldDependOnTheKey() {
    assertThat(Hashing.sip(1, 2, "device-42")).isNotEqualTo(Hashing.sip(1, 3, "device-42"));
    assertThat(Hashing.sip(1, 2, "device-42")).isEqualTo(Hashing.sip(1, 2, "device-42"));
  }
}
