// Reads files as they are at the base commit, with the git command line (no shell).
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

export class GitError extends Error {}

function git(args, cwd) {
  return spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** The commit that `ref` names in the repository around `cwd`, and a reader of files as of that commit. */
export function openBase(ref, cwd) {
  const top = git(['rev-parse', '--show-toplevel'], cwd);
  if (top.status !== 0) throw new GitError(`not in a git repository: ${cwd}`);
  const root = top.stdout.trim();
  const resolved = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root);
  if (resolved.status !== 0) {
    throw new GitError(`base "${ref}" names no commit in ${root}: fetch it, or pass BASE=<git ref> (e.g. BASE=origin/main)`);
  }
  const commit = resolved.stdout.trim();
  return {
    ref,
    commit,
    /** The text of the file at absolutePath as of the base commit, or null when the base has no such file. */
    read(absolutePath) {
      // git prints the top level with symlinks resolved, so resolve the file's folder the same way.
      const real = join(realpathSync(dirname(absolutePath)), basename(absolutePath));
      const object = `${commit}:${relative(root, real).split(sep).join('/')}`;
      if (git(['cat-file', '-e', object], root).status !== 0) return null;
      const shown = git(['show', object], root);
      if (shown.status !== 0) throw new GitError(`git show ${object} failed: ${shown.stderr.trim()}`);
      return shown.stdout;
    },
  };
}
