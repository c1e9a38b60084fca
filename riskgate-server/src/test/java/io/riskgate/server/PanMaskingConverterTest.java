package io.riskgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PanMaskingConverterTest {
  @Test
  void masksACardNumber() {
    assertThat(PanMaskingConverter.mask("card 4111111111111111 used")).isEqualTo("card 411111******1111 used");
  }

  @Test
  void masksSeparatedCardNumbers() {
    assertThat(PanMaskingConverter.mask("card 4111 1111 1111 1111 used")).isEqualTo("card 411111******1111 used");
    assertThat(PanMaskingConverter.mask("card 4111-1111-1111-1111 used")).isEqualTo("card 411111******1111 used");
    assertThat(PanMaskingConverter.mask("amex 3782 822463 10005.")).isEqualTo("amex 378282*****0005.");
  }

  @Test
  void masksEveryNumberAndEveryLength() {
    assertThat(PanMaskingConverter.mask("a=5500000000000004,b=4222222222222"))
        .isEqualTo("a=550000******0004,b=422222***2222");
    assertThat(PanMaskingConverter.mask("1234567890123456785")).isEqualTo("123456*********6785");
    assertThat(PanMaskingConverter.mask("pan:4111111111111111")).isEqualTo("pan:411111******1111");
  }

  @Test
  void leavesOtherTextAlone() {
    assertThat(PanMaskingConverter.mask("amount 12000.0 account123 tx1001")).isEqualTo("amount 12000.0 account123 tx1001");
    assertThat(PanMaskingConverter.mask("short 411111111111 (12 digits)")).isEqualTo("short 411111111111 (12 digits)");
    assertThat(PanMaskingConverter.mask("long 41111111111111111111 (20 digits)"))
        .isEqualTo("long 41111111111111111111 (20 digits)");
    assertThat(PanMaskingConverter.mask("4111 1111")).isEqualTo("4111 1111");
    // digit runs that fail the Luhn check (timestamps, ids) are not card numbers
    assertThat(PanMaskingConverter.mask("ts=1732200000123 id=1234567890123456789"))
        .isEqualTo("ts=1732200000123 id=1234567890123456789");
    assertThat(PanMaskingConverter.mask("")).isEmpty();
    assertThat(PanMaskingConverter.mask(null)).isNull();
    assertThat(PanMaskingConverter.mask("$1 and \\ stay")).isEqualTo("$1 and \\ stay");
  }
}
