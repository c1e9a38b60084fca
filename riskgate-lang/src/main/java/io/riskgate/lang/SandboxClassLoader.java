package io.riskgate.lang;

import java.util.Set;

/**
 * The parent class loader of generated code: it exposes the language runtime and a few JDK types,
 * and nothing else. Generated classes are defined in {@link Generated}, whose only parent is this
 * loader, so any other reference fails to link. Generated code is built from the checked tree only; this loader is a second
 * wall, so that even a generator bug cannot reach files, the network, threads or reflection.
 */
final class SandboxClassLoader extends ClassLoader {
  private static final Set<String> ALLOWED_JDK =
      Set.of(
          "java.lang.Object",
          "java.lang.String",
          "java.lang.StringBuilder",
          "java.lang.AbstractStringBuilder",
          "java.lang.CharSequence",
          "java.lang.Comparable",
          "java.lang.Math",
          "java.lang.Double",
          "java.lang.Long",
          "java.lang.Integer",
          "java.lang.Byte",
          "java.lang.Boolean",
          "java.lang.Number",
          "java.lang.Throwable",
          "java.lang.Exception",
          "java.lang.RuntimeException",
          "java.lang.Error",
          "java.lang.IllegalArgumentException",
          "java.lang.Override",
          "java.lang.Cloneable",
          "java.lang.Iterable",
          "java.lang.Appendable",
          "java.lang.Enum",
          "java.lang.Record",
          "java.lang.Deprecated",
          "java.lang.annotation.Annotation",
          "java.io.Serializable",
          "java.util.Map",
          "java.util.HashMap",
          "java.util.Set",
          "java.time.ZoneId",
          "com.google.re2j.Pattern");

  private final ClassLoader real;

  SandboxClassLoader(ClassLoader real) {
    super(null);
    this.real = real;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (allowed(name)) {
      return real.loadClass(name);
    }
    throw new ClassNotFoundException(name);
  }

  /** Defines generated classes with a strict sandbox as their only parent. */
  static final class Generated extends ClassLoader {
    private final java.util.Map<String, byte[]> classes;

    Generated(ClassLoader sandbox, java.util.Map<String, byte[]> classes) {
      super(sandbox);
      this.classes = new java.util.concurrent.ConcurrentHashMap<>(classes);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      // each class is defined once; dropping its bytes keeps only the loaded class in memory
      byte[] b = classes.remove(name);
      if (b == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, b, 0, b.length);
    }
  }

  /** The project types generated code may name: the evaluation contract and the runtime helpers. */
  private static final Set<String> ALLOWED_RISKGATE =
      Set.of(
          "io.riskgate.lang.Env",
          "io.riskgate.lang.Evaluation",
          "io.riskgate.lang.EventData",
          "io.riskgate.lang.EventType",
          "io.riskgate.lang.TagView",
          "io.riskgate.lang.rt.CompiledProgram",
          "io.riskgate.lang.rt.Rt");

  static boolean allowed(String name) {
    return ALLOWED_JDK.contains(name) || ALLOWED_RISKGATE.contains(name);
  }

}
