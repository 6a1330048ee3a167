package org.mvpseg.fiji;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a command field shown in the dialog's Advanced part rather than its main one. It stays a macro key like
 * every other field, and the Recorder still writes it (docs/fiji.md, "Dialogs").
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Advanced {}
