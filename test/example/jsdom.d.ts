/**
 * The part of jsdom's API the docs render test uses. Declared here rather than taken from
 * `@types/jsdom`, whose `/// <reference lib="dom" />` would bring the browser's globals into
 * the type check of the whole project (src included), where they must not resolve.
 */
declare module 'jsdom' {
  /** A response body being fetched, which jsdom may abort. */
  export interface AbortablePromise<T> extends Promise<T> {
    abort(): void;
  }

  /** Loads a page's subresources (scripts, stylesheets, images). */
  export class ResourceLoader {
    constructor(options?: { readonly userAgent?: string });
    fetch(url: string, options: { readonly element?: unknown }): AbortablePromise<Buffer> | null;
  }

  /** Receives the page's console output and jsdom's own errors. */
  export class VirtualConsole {
    on(event: 'jsdomError', listener: (error: Error) => void): this;
    on(event: 'error' | 'warn' | 'log' | 'info', listener: (...values: unknown[]) => void): this;
  }

  /** An element, as far as the test reads it. */
  export interface DomElement {
    readonly textContent: string | null;
  }

  /** The page's window, as far as the test uses it. */
  export interface DomWindow {
    readonly location: { readonly href: string };
    readonly document: {
      querySelector(selector: string): DomElement | null;
      querySelectorAll(selector: string): ArrayLike<DomElement>;
    };
    fetch?: (input: unknown, init?: unknown) => Promise<unknown>;
    addEventListener(event: 'load', listener: () => void): void;
    close(): void;
  }

  /** Options of {@link JSDOM.fromURL}. */
  export interface FromUrlOptions {
    readonly runScripts?: 'dangerously' | 'outside-only';
    readonly resources?: 'usable' | ResourceLoader;
    readonly pretendToBeVisual?: boolean;
    readonly virtualConsole?: VirtualConsole;
    beforeParse?(window: DomWindow): void;
  }

  /** A page loaded into jsdom. */
  export class JSDOM {
    static fromURL(url: string, options?: FromUrlOptions): Promise<JSDOM>;
    readonly window: DomWindow;
  }
}
