package io.riskgate.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.riskgate.lang.rt.CompiledProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generated code runs in a class loader that only sees the language runtime and a few JDK classes:
 * hand-written "generated" programs that reach for the JVM, threads, reflection or files must fail to
 * link, with nothing done. Every probe is harmless even if the sandbox were broken (no real exit).
 */
class SandboxTest {
  static CodeGen.Output program(String body) {
    String source = """
        package io.riskgate.generated;

        import io.riskgate.lang.*;
        import io.riskgate.lang.rt.*;

        public final class Program extends CompiledProgram {
          public Program(Object[] k) {}

          public Evaluation evaluate(EventData e, Env env) {
            %s
            return null;
          }
        }
        """.formatted(body);
    return new CodeGen.Output(source, new Object[0]);
  }

  /** Loads and runs a program; returns what it threw, or null. */
  static Throwable run(String body) {
    return catchThrowable(() -> {
      CompiledProgram p = JaninoRulesetCompiler.load(program(body));
      p.evaluate(null, DemoRulesetTest.env(Map.of()));
    });
  }

  @Test
  void programUsingOnlyTheRuntimeAndAllowedJdkClassesRuns() {
    Throwable t = run("""
        double x = Math.max(Rt.round(2.5), Rt.pow(2, 3));
        String s = new StringBuilder().append("a").append(x).toString();
        java.util.Map m = new java.util.HashMap();
        m.put(s, Double.valueOf(x));
        if (!Rt.fmt(x).equals("8") || m.size() != 1) throw new IllegalArgumentException(Rt.fmt(x));
        """);
    assertThat(t).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // System.exit is never reached: resolving System for nanoTime() must already fail
      "if (System.nanoTime() < 0) System.exit(1);",
      "Runtime.getRuntime();",
      "Thread.currentThread();",
      "Class.forName(\"java.lang.String\");",
      "env.getClass().getClassLoader();",
      "System.getProperty(\"user.home\");",
      "new java.util.ArrayList();",
      "java.lang.reflect.Array.newInstance(Object.class, 1);",
      "io.riskgate.lang.SourceFiles.read(java.nio.file.Path.of(\"/etc/hostname\"));",
  })
  void programReachingOutsideTheSandboxFailsToLink(String body) {
    Throwable t = run(body);
    assertThat(t).as(body).isNotNull();
    assertThat(t).as(body).isInstanceOfAny(NoClassDefFoundError.class, IllegalStateException.class, LinkageError.class);
    assertThat(t.toString() + t.getCause()).as(body).containsAnyOf("java/lang/", "java.lang.", "java/util/", "java.util.",
        "java/nio/", "java.nio.");
  }

  @Test
  void programCreatingAFileFailsAndCreatesNothing(@TempDir Path dir) {
    Path probe = dir.resolve("escaped.txt");
    String path = probe.toString().replace("\\", "\\\\");
    Throwable t = run("try { new java.io.File(\"" + path + "\").createNewFile(); } catch (Exception x) { }");
    assertThat(t).isInstanceOf(NoClassDefFoundError.class);
    assertThat(t.getMessage()).contains("java/io/File");
    assertThat(Files.exists(probe)).isFalse();
  }

  @Test
  void programThatDoesNotCompileIsAnInternalError() {
    Throwable t = run("this is not java;");
    assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("internal error");
  }

  @Test
  void sandboxAllowsOnlyTheLanguagePackagesAndAFewJdkClasses() {
    assertThat(SandboxClassLoader.allowed("io.riskgate.lang.rt.Rt")).isTrue();
    assertThat(SandboxClassLoader.allowed("io.riskgate.lang.TagView")).isTrue();
    assertThat(SandboxClassLoader.allowed("java.lang.Math")).isTrue();
    assertThat(SandboxClassLoader.allowed("java.lang.System")).isFalse();
    assertThat(SandboxClassLoader.allowed("java.lang.Runtime")).isFalse();
    assertThat(SandboxClassLoader.allowed("java.lang.Class")).isFalse();
    assertThat(SandboxClassLoader.allowed("io.riskgate.lang.sub.Evil")).isFalse();
    assertThat(SandboxClassLoader.allowed("io.riskgate.language.Evil")).isFalse();
    assertThat(SandboxClassLoader.allowed("io.riskgate.engine.Engine")).isFalse();
  }
}
