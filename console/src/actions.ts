import { ElMessage, ElMessageBox } from 'element-plus';
import { t } from './i18n';

/**
 * A governance move with a reason (approve, reject, accept, choose a side): ask for the reason,
 * run the move, say what it became and reload the page's list. Cancelling does nothing; an error
 * shows the API's code, message and hint.
 */
export async function withReason(title: string, heading: string, move: (reason: string) => Promise<string>, reload: () => Promise<void>): Promise<void> {
  try {
    const { value: reason } = await ElMessageBox.prompt(title, heading, {
      inputPlaceholder: t('reason'),
      inputValidator: (v) => (v !== null && v.trim().length > 0) || t('reason'),
    });
    ElMessage.success(await move(reason));
    await reload();
  } catch (err) {
    if (err !== 'cancel' && err !== 'close') ElMessage.error({ message: (err as Error).message, duration: 8000 });
  }
}
