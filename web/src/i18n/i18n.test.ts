/**
 * Both languages are complete: every key of en.json has a Chinese text and the reverse, each pair
 * uses the same {placeholders}, no text is empty, and every key the dashboard's code names exists.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, localeFromLanguages, translate } from './i18n';
import { en, MESSAGE_FILES, zhCN } from './messages';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('translations', () => {
  it('define each key in one file only, per language', () => {
    for (const files of Object.values(MESSAGE_FILES)) {
      const keys = files.flatMap((file) => Object.keys(file));
      expect(keys.length).toBe(new Set(keys).size);
    }
  });

  it('have the same keys in English and Chinese', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it('use the same placeholders in both languages, and no text is empty', () => {
    for (const [key, english] of Object.entries(en)) {
      const chinese = (zhCN as Record<string, string>)[key]!;
      expect(placeholders(chinese), key).toEqual(placeholders(english));
      expect(english.trim(), key).not.toBe('');
      expect(chinese.trim(), key).not.toBe('');
    }
  });

  it('hold every key the code names (quoted dotted keys in web/src)', () => {
    const root = join(import.meta.dirname, '..');
    const named = new Set<string>();
    // A quoted dotted string is a message key when it starts with a namespace some key uses.
    const namespaces = new Set(Object.keys(en).map((key) => key.slice(0, key.indexOf('.'))));
    for (const file of sourceFiles(root)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/'((?:[a-z]+[A-Za-z]*\.)+[A-Za-z]+)'/g)) {
        const key = match[1]!;
        if (namespaces.has(key.slice(0, key.indexOf('.')))) named.add(key);
      }
    }
    expect(named.size).toBeGreaterThan(50);
    const missing = [...named].filter((key) => !Object.hasOwn(en, key));
    expect(missing).toEqual([]);
  });

  it('fill placeholders and pick the language from the browser', () => {
    expect(interpolate('{a} of {b}', { a: 1, b: 'two' })).toBe('1 of two');
    expect(interpolate('{missing}', {})).toBe('{missing}');
    expect(translate('zh-CN', 'period.quarterLabel', { year: 1998, quarter: 1 })).toBe('1998年第1季度');
    expect(localeFromLanguages(['zh-TW', 'en'])).toBe('zh-CN');
    expect(localeFromLanguages(['fr-FR', 'en-GB'])).toBe('en');
    expect(localeFromLanguages(['de'])).toBe('en');
  });
});
