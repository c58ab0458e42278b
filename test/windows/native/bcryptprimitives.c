/* A stand-in for Windows' bcryptprimitives.dll, for running BusinessApp.exe under Wine in tests.
 * Bun's Windows runtime takes its random numbers from ProcessPrng in that library; Windows 10 and
 * later have it, Wine 8.0 lacks it, so the executable would not start there. Placed beside the
 * executable, this library answers from RtlGenRandom (advapi32's SystemFunction036), which Wine
 * implements with the system's random source. Never shipped: Windows brings its own. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
  /* RtlGenRandom takes a 32-bit length. */
  while (size > 0) {
    ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    size -= chunk;
  }
  return TRUE;
}
