/* hold-file PATH: keeps PATH open the way another program on the shop PC would (a database
 * viewer, an antivirus scanner, a sync tool): opened as SQLite opens a database on Windows, with
 * read and write access, sharing read and write but not delete. While it is open, Windows refuses
 * to rename or delete the file, which is what BusinessApp must cope with.
 * Prints "holding" once the file is open and "released" after closing it, which it does when its
 * standard input ends. Exit 0 after releasing, 1 when the file cannot be opened, 2 on bad usage. */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hold-file PATH\n");
    return 2;
  }
  HANDLE file = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                            NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (file == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "cannot open the file: error %lu\n", GetLastError());
    return 1;
  }
  printf("holding\n");
  fflush(stdout);
  char buffer[256];
  DWORD got;
  HANDLE input = GetStdHandle(STD_INPUT_HANDLE);
  while (ReadFile(input, buffer, sizeof buffer, &got, NULL) && got > 0) {
  }
  CloseHandle(file);
  printf("released\n");
  fflush(stdout);
  return 0;
}
