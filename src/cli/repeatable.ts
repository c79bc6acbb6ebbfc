/**
 * Commander's collector for a repeatable option (`--map a=A --map b=B`): each value appended to the
 * previous ones. Its own module, free of dependencies, because every command's registration loads it.
 */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
