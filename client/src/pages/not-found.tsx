import { Link } from 'react-router-dom';
import { Empty } from '../components/states.tsx';

export function NotFoundPage() {
  return (
    <Empty>
      There is nothing at this address. <Link to="/workflows">Go to workflows</Link>
    </Empty>
  );
}
